"""Generate a synthetic partnership of any size and one filled, valid return per organisation.

    .venv/bin/python benchmarks/generate.py --n 1000 --out /tmp/ni179-bench/n1000-s1

writes into ``--out``:

* ``config.toml``: a partnership of ``--orgs`` organisations (default ``--n``), built like
  Leicestershire (areas of 13: a county, a unitary, seven districts, fire, police and two
  PCTs; one LAA per ``--laa-size`` organisations, default 13, so one per area, and one
  partnership-wide MAA), the same round (2008-09-review);
* ``templates/``: one template per returning organisation (``build_template``, once per org);
* ``returns/``: ``--n`` filled returns (``fill_workbook``), every one valid (no errors),
  some with warnings: a forecast below the previous year, gains large against the
  baseline, net gains negative; about half of those explained on the Checks sheet;
* ``manifest.jsonl``: one line per return (file, organisation, sender, scenario, explained).

The figures depend only on ``--seed`` and the organisation (not on ``--jobs`` or the order
of work), so a data set can be regenerated exactly; the bytes differ between runs only by
the timestamps openpyxl writes. Used as a module by the other benchmarks
(``ensure_returns``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_DATA = Path(os.environ.get("NI179_BENCH_DATA", "/tmp/ni179-bench"))
ROUND_ID = "2008-09-review"
FORMAT_VERSION = 1  # bump when the generated data changes, so cached data sets are rebuilt

# One "area" is shaped like Leicester and Leicestershire: (sector, count, baseline range £000).
AREA = (
    ("county", 1, (250_000, 350_000)),
    ("unitary", 1, (200_000, 320_000)),
    ("district", 7, (6_000, 22_000)),
    ("fire", 1, (25_000, 45_000)),
    ("police", 1, (120_000, 200_000)),
    ("pct", 2, (450_000, 950_000)),
)
AREA_SIZE = sum(count for _, count, _ in AREA)
SECTOR_NAMES = {
    "county": ("County council", "County Council"),
    "unitary": ("Unitary (city) council", "City Council"),
    "district": ("District council", "District Council"),
    "fire": ("Fire and rescue authority", "Fire and Rescue Authority"),
    "police": ("Police authority", "Police Authority"),
    "pct": ("NHS primary care trust", "Primary Care Trust"),
}
# Projects: (code, name, sectors taking part, funding code).
PROJECTS = (
    ("winter_maintenance", "Winter maintenance", ("county", "unitary"), "RIEP_WINTER"),
    ("passenger_transport", "Passenger transport", ("county", "unitary"), "RIEP_TRANSPORT"),
    ("legal", "Legal services", ("district",), "RIEP_MGMT"),
    ("fleet", "Fleet / vehicle maintenance", tuple(SECTOR_NAMES), "LAA_FLEET"),
    ("revenues_benefits", "Revenues and benefits", ("district",), "RIEP_REVBEN"),
    ("land_charges", "Land charges", ("district",), "RIEP_MGMT"),
    ("building_control", "Building control", ("district",), "RIEP_MGMT"),
)
FUNDING = (
    ("LAA_FLEET", "LAA", "Vehicle maintenance (fleet) project", 30000),
    ("RIEP_REVBEN", "RIEP", "Shared revenues and benefits services", 300000),
    ("RIEP_MGMT", "RIEP", "Management efficiency and shared services", 70000),
    ("RIEP_WINTER", "RIEP", "Winter maintenance", 5000),
    ("RIEP_TRANSPORT", "RIEP", "Integrated passenger transport", 70000),
)
PLACES = (
    "Ashby",
    "Barwell",
    "Coalville",
    "Desford",
    "Enderby",
    "Fleckney",
    "Glenfield",
    "Hathern",
    "Ibstock",
    "Kegworth",
    "Lutterworth",
    "Markfield",
    "Narborough",
    "Oakham",
    "Quorn",
    "Rothley",
    "Shepshed",
    "Thurmaston",
    "Uppingham",
    "Whetstone",
)
PEOPLE = (
    "A. Patel",
    "R. Hughes",
    "K. Evans",
    "L. Turner",
    "C. Barker",
    "T. Walsh",
    "E. Fox",
    "J. Morgan",
    "S. Clarke",
    "D. Shaw",
    "M. Wood",
    "P. Holt",
    "G. Reid",
    "B. Stone",
)
TITLES = (
    "Head of Finance",
    "Chief Accountant",
    "Accountancy Manager",
    "Finance Team Leader",
    "Senior Accountant",
    "Finance Officer",
    "Efficiency Programme Accountant",
)

# What share of returns carry each warning scenario (the rest are clean).
SCENARIOS = (
    ("forecast-below-previous", 0.08),
    ("gains-implausible", 0.05),
    ("net-gains-negative", 0.03),
)
EXPLAINED_SHARE = 0.5


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    short_name: str
    sector: str
    baseline: float
    email: str
    area: int


def organisations(n_orgs: int, seed: int) -> list[OrgSpec]:
    """``n_orgs`` organisations in areas shaped like Leicestershire (the last area may be partial)."""
    rng = random.Random(f"{seed}:orgs")
    out: list[OrgSpec] = []
    area = 0
    while len(out) < n_orgs:
        area += 1
        place = f"{PLACES[(area - 1) % len(PLACES)]} {area}"
        for sector, count, (low, high) in AREA:
            for k in range(count):
                if len(out) == n_orgs:
                    break
                number = len(out) + 1
                code = f"ORG{number:04d}"
                suffix = f" {k + 1}" if count > 1 else ""
                label = SECTOR_NAMES[sector][1]
                out.append(
                    OrgSpec(
                        code,
                        f"{place} {label}{suffix}",
                        f"{place} {sector}{suffix}",
                        sector,
                        float(rng.randrange(low, high, 100)),
                        f"finance@org{number:04d}.example.org",
                        area,
                    )
                )
    return out


def _toml_list(items: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(json.dumps(x) for x in items) + "]"


def config_text(n_orgs: int, seed: int, laa_size: int = AREA_SIZE) -> str:
    """A partnership configuration (TOML) with ``n_orgs`` organisations, parseable by ``parse_partnership``.

    One LAA per ``laa_size`` consecutive organisations (default: one per area of 13, so the
    number of agreements grows with the partnership), plus one MAA of every organisation.
    """
    orgs = organisations(n_orgs, seed)
    rng = random.Random(f"{seed}:config")
    lines = [
        f"# Synthetic partnership for benchmarks: {n_orgs} organisations, seed {seed}. Generated by",
        "# benchmarks/generate.py; every figure is invented.",
        "",
        "[partnership]",
        f'name = "Synthetic NI 179 partnership ({n_orgs} organisations)"',
        'group = "Benchmark treasurers group"',
        'consolidator_name = "Benchmark consolidator"',
        'consolidator_email = "ni179-returns@bench.example.org"',
        "illustrative = true",
        "",
    ]
    for sector, (name, _) in SECTOR_NAMES.items():
        lines += [
            f"[sectors.{sector}]",
            f"name = {json.dumps(name)}",
            f'guidance = "Guidance for {name.lower()}s (synthetic)."',
            "",
        ]
    for o in orgs:
        lines += [
            "[[organisations]]",
            f'code = "{o.code}"',
            f"name = {json.dumps(o.name)}",
            f"short_name = {json.dumps(o.short_name)}",
            f'sector = "{o.sector}"',
            f"baseline = {o.baseline:.0f}",
            f'emails = ["{o.email}"]',
            "",
        ]
    for start in range(0, len(orgs), laa_size):
        area = start // laa_size + 1
        members = [o.code for o in orgs[start : start + laa_size]]
        lines += [
            "[[agreements]]",
            f'code = "AREA{area}_LAA"',
            f'name = "Area {area} LAA"',
            'method = "additive"',
            f"members = {_toml_list(members)}",
            'rates = { "2008/09" = 3.0, "2009/10" = 3.0, "2010/11" = 3.4 }',
            "",
        ]
    lines += [
        "[[agreements]]",
        'code = "MAA"',
        'name = "Partnership-wide multi-area agreement"',
        'method = "additive"',
        f"members = {_toml_list([o.code for o in orgs])}",
        'rates = { "2008/09" = 3.0, "2009/10" = 3.0, "2010/11" = 3.0, "2011/12" = 3.4 }',
        'reported_only = ["2008/09"]',
        "",
    ]
    lines += [
        "[[rounds]]",
        f'id = "{ROUND_ID}"',
        'title = "Efficiency - 2008/09 review"',
        'actual_years = ["2008/09"]',
        'forecast_years = ["2009/10", "2010/11", "2011/12"]',
        "opens = 2009-04-20",
        "deadline = 2009-05-15",
        'template_version = "1.0"',
        "",
    ]
    lines += [
        "[vfm]",
        'assessment = "Use of Resources 2008/09 (synthetic)"',
        "target = 3",
        "national_district_share_at_3_or_above = 0.60",
        "",
        "[vfm.scores]",
    ]
    lines += [f"{o.code} = {rng.choices((1, 2, 3, 4), (1, 5, 5, 1))[0]}" for o in orgs]
    lines += ["", "[budget]", "laa_budget = 100000", "feasibility_spent = 30000", ""]
    for code, source, purpose, amount in FUNDING:
        lines += [
            "[[funding]]",
            f'code = "{code}"',
            f'source = "{source}"',
            f"purpose = {json.dumps(purpose)}",
            f"amount = {amount}",
            "",
        ]
    for code, name, sectors, funding in PROJECTS:
        members = [o.code for o in orgs if o.sector in sectors]
        if not members:
            continue
        lines += [
            "[[projects]]",
            f'code = "{code}"',
            f"name = {json.dumps(name)}",
            f"participants = {_toml_list(members)}",
            f'funding = ["{funding}"]',
            'status = "Business case in discussion"',
            "",
        ]
    return "\n".join(lines)


# --- the figures of one return -----------------------------------------------------------------


def _split(rng: random.Random, parts: int) -> list[float]:
    weights = [rng.random() ** 2 + 0.02 for _ in range(parts)]
    total = sum(weights)
    return [w / total for w in weights]


def return_data(p: Any, rnd: Any, org_code: str, seed: int) -> tuple[dict[str, Any], str, bool]:
    """(input values by defined name, warning scenario, explained) for one organisation's return."""
    from xl_ni179.partnership import year_key
    from xl_ni179.spec.schema import WORKSTREAMS, explain_name

    rng = random.Random(f"{seed}:return:{org_code}")
    org = p.organisation(org_code)
    draw, scenario = rng.random(), "clean"
    for name, share in SCENARIOS:
        if draw < share:
            scenario = name
            break
        draw -= share
    explained = scenario != "clean" and rng.random() < EXPLAINED_SHARE

    # Cumulative net gains as % of baseline, rising year on year (NI 179 gains are cumulative).
    shares = [rng.uniform(2.0, 4.0)]
    for _ in rnd.forecast_years:
        shares.append(shares[-1] + rng.uniform(1.5, 3.0))
    cost_share = [rng.uniform(0.03, 0.10) for _ in shares]
    forecast_index = range(len(rnd.actual_years), len(shares))
    if scenario == "forecast-below-previous":
        i = rng.choice(list(forecast_index))
        shares[i] = shares[i - 1] - rng.uniform(0.3, 1.0)
        for j in range(i + 1, len(shares)):  # later years rise again from the dip
            shares[j] = shares[j - 1] + rng.uniform(1.0, 2.0)
    elif scenario == "gains-implausible":
        factor = rng.uniform(6.0, 9.0)  # 2-4% becomes 20-35%: pounds typed as if £000, say
        shares = [s * factor for s in shares]
    elif scenario == "net-gains-negative":
        cost_share[-1] = rng.uniform(
            1.1, 1.4
        )  # costs of achieving exceed the gains in the last year

    data: dict[str, Any] = {}
    split = _split(rng, len(WORKSTREAMS))
    for year, share, costs in zip(rnd.years, shares, cost_share, strict=True):
        yk = year_key(year)
        net = org.baseline * share / 100
        gross = net / (1 - costs) if costs < 1 else net
        for (ws, _), part in zip(WORKSTREAMS, split, strict=True):
            data[f"gains_{ws}_{yk}"] = round(gross * part, 1)
            data[f"costs_{ws}_{yk}"] = round(gross * part * costs, 1)
        if rng.random() < 0.7:
            data[f"oneoff_{yk}"] = round(org.baseline * rng.uniform(0.0005, 0.003), 1)
        if rng.random() < 0.3:
            data[f"noncash_{yk}"] = round(org.baseline * rng.uniform(0.0005, 0.002), 1)
    if rng.random() < 0.1:
        data["carry_forward_cashable"] = round(org.baseline * rng.uniform(0.001, 0.005), 1)
    for year in rnd.forecast_years:
        yk = year_key(year)
        rating = rng.choices(("Green", "Amber", "Red", None), (3, 5, 2, 1))[0]
        if rating:
            data[f"rag_{yk}"] = rating
        if rating in ("Amber", "Red") or (rating == "Green" and rng.random() < 0.3):
            data[f"rag_commentary_{yk}"] = (
                f"{rating}: plans identified for {rng.randint(40, 95)}% of the target; "
                "shared-service savings depend on business cases still in discussion."
            )
    for project in p.projects_of(org_code):
        data[f"project_savings_{project.code}"] = round(
            org.baseline * rng.uniform(0.0002, 0.001), 1
        )
        if rng.random() < 0.4:
            data[f"project_comment_{project.code}"] = "Business case expected in the autumn."
    data.update(
        {
            "signoff_preparer": f"{rng.choice(PEOPLE)}, {rng.choice(TITLES)}",
            "signoff_s151_officer": rng.choice(PEOPLE),
            "signoff_date": f"2009-05-{rng.randint(1, 14):02d}",
            "signoff_email": org.emails[0],
        }
    )
    if rng.random() < 0.5:
        data["signoff_phone"] = f"0116 {rng.randint(200, 399)} {rng.randint(1000, 9999)}"
    if explained:
        # A fall into negative net gains is also a fall below the year before: explain both.
        codes = (
            [scenario, "forecast-below-previous"]
            if scenario == "net-gains-negative"
            else [scenario]
        )
        for code in codes:
            data[explain_name(code)] = (
                "The figures have been checked with the service managers "
                "and are correct; see the covering note."
            )
    return data, scenario, explained


# --- writing a data set --------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(config_path: str, seed: int) -> None:
    from xl_ni179.partnership import load_partnership

    p = load_partnership(config_path)
    _WORKER.update(p=p, rnd=p.round(ROUND_ID), seed=seed)


def _make_return(job: tuple[str, str, str]) -> dict[str, Any]:
    """Build the template for one organisation, fill it, and describe the result."""
    from xl_ni179.template import build_template
    from xl_ni179.template.fill import fill_workbook

    org_code, templates, returns = job
    p, rnd, seed = _WORKER["p"], _WORKER["rnd"], _WORKER["seed"]
    started = time.perf_counter()
    template = Path(templates) / f"NI179_{org_code}_{rnd.id}.xlsx"
    template.write_bytes(build_template(p, org_code, rnd))
    built = time.perf_counter()
    data, scenario, explained = return_data(p, rnd, org_code, seed)
    out = Path(returns) / template.name
    fill_workbook(p, template, data, out)
    return {
        "file": str(out.relative_to(Path(returns).parent)),
        "organisation": org_code,
        "sender": p.organisation(org_code).emails[0],
        "scenario": scenario,
        "explained": explained,
        "build_s": built - started,
        "fill_s": time.perf_counter() - built,
    }


def default_dir(n: int, seed: int, orgs: int | None = None, laa_size: int = AREA_SIZE) -> Path:
    suffix = f"-o{orgs}" if orgs and orgs != n else ""
    suffix += f"-laa{laa_size}" if laa_size != AREA_SIZE else ""
    return DEFAULT_DATA / f"n{n}{suffix}-s{seed}"


def template_stamp() -> str:
    """What the library's current template looks like: its schema and locked-content fingerprints
    for the first organisation of a small partnership. Returns generated by another version of
    the template builder would fail validation (locked content changed), so they are rebuilt."""
    from xl_ni179.partnership import parse_partnership

    try:
        from xl_ni179.template.builder import build_workbook
    except ImportError:
        return "unknown"
    p = parse_partnership(config_text(1, 0), "<template stamp>")
    _, _, meta = build_workbook(p, p.organisations[0].code, p.round(ROUND_ID))
    return f"{meta.get('schema')}:{meta.get('fingerprint')}"


def stamp(
    n: int, seed: int, orgs: int, laa_size: int = AREA_SIZE, template: str | None = None
) -> dict[str, Any]:
    return {
        "n": n,
        "seed": seed,
        "orgs": orgs,
        "laa_size": laa_size,
        "format": FORMAT_VERSION,
        "template": template or template_stamp(),
    }


def is_complete(out: Path, n: int, seed: int, orgs: int, laa_size: int = AREA_SIZE) -> bool:
    try:
        done = json.loads((out / "generated.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    done.setdefault("laa_size", AREA_SIZE)  # written before the option existed
    want = stamp(n, seed, orgs, laa_size)
    return {k: done.get(k) for k in want} == want


def generate(
    out: Path,
    n: int,
    seed: int = 1,
    orgs: int | None = None,
    jobs: int | None = None,
    quiet: bool = False,
    laa_size: int = AREA_SIZE,
) -> dict[str, Any]:
    """Write the configuration, the templates, ``n`` returns and the manifest into ``out``."""
    from xl_ni179.partnership import parse_partnership

    orgs = orgs or n
    if n > orgs:
        raise SystemExit(f"--n {n} is more than --orgs {orgs}: one return per organisation")
    jobs = jobs or os.cpu_count() or 1
    template = template_stamp()
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    (out / "generated.json").unlink(missing_ok=True)
    text = config_text(orgs, seed, laa_size)
    config = out / "config.toml"
    config.write_text(text, "utf-8")
    p = parse_partnership(text, str(config))  # refuse a broken configuration before any work
    configured = time.perf_counter()
    # Which organisations return: all of them, or an evenly spread, seeded sample.
    codes = [o.code for o in p.organisations]
    returning = sorted(random.Random(f"{seed}:returning").sample(codes, n)) if n < orgs else codes
    templates, returns = out / "templates", out / "returns"
    for folder in (templates, returns):
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.xlsx"):
            old.unlink()
    jobs_list = [(code, str(templates), str(returns)) for code in returning]
    build = fill = 0.0
    counts: dict[str, int] = {}
    with open(out / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        if jobs == 1:
            _init_worker(str(config), seed)
            results = map(_make_return, jobs_list)
            pool = None
        else:
            import multiprocessing

            pool = ProcessPoolExecutor(
                jobs,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_init_worker,
                initargs=(str(config), seed),
            )
            results = pool.map(_make_return, jobs_list, chunksize=8)
        try:
            for i, row in enumerate(results, start=1):
                build += row.pop("build_s")
                fill += row.pop("fill_s")
                key = row["scenario"] + (" (explained)" if row["explained"] else "")
                counts[key] = counts.get(key, 0) + 1
                manifest.write(json.dumps(row) + "\n")
                if not quiet and (i % 100 == 0 or i == n):
                    print(
                        f"  {i}/{n} returns written ({time.perf_counter() - started:.1f} s)",
                        flush=True,
                    )
        finally:
            if pool is not None:
                pool.shutdown()
    total = time.perf_counter() - started
    summary = {
        **stamp(n, seed, orgs, laa_size, template),
        "jobs": jobs,
        "agreements": len(p.agreements),
        "seconds": round(total, 2),
        "config_seconds": round(configured - started, 3),
        "build_template_cpu_seconds": round(build, 2),
        "fill_cpu_seconds": round(fill, 2),
        "scenarios": dict(sorted(counts.items())),
    }
    (out / "generated.json").write_text(json.dumps(summary, indent=2), "utf-8")
    if not quiet:
        print(
            f"Generated {n} returns for a partnership of {orgs} organisations ({len(p.agreements)} agreements) "
            f"in {out}"
        )
        print(
            f"  wall {total:.1f} s with {jobs} process(es): {total / n * 1000:.0f} ms a return; "
            f"in the workers build_template {build:.1f} s ({build / n * 1000:.0f} ms each), "
            f"fill_workbook {fill:.1f} s ({fill / n * 1000:.0f} ms each)"
        )
        print("  scenarios: " + ", ".join(f"{k} {v}" for k, v in summary["scenarios"].items()))
    return summary


def ensure_returns(
    n: int,
    seed: int = 1,
    orgs: int | None = None,
    out: Path | None = None,
    jobs: int | None = None,
    laa_size: int = AREA_SIZE,
) -> Path:
    """The data set folder for (n, seed, orgs), generated first if missing or stale.

    Generation runs in a subprocess so that openpyxl's memory never counts towards the
    calling benchmark's peak.
    """
    orgs = orgs or n
    out = out or default_dir(n, seed, orgs, laa_size)
    if is_complete(out, n, seed, orgs, laa_size):
        return out
    print(
        f"Generating the data set (n={n}, seed={seed}, orgs={orgs}) in {out} (missing, or made by another "
        "version of the template) ...",
        flush=True,
    )
    cmd = [
        sys.executable,
        str(HERE / "generate.py"),
        "--n",
        str(n),
        "--seed",
        str(seed),
        "--orgs",
        str(orgs),
        "--out",
        str(out),
        "--laa-size",
        str(laa_size),
    ]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    subprocess.run(cmd, check=True)
    return out


def manifest(folder: Path) -> list[dict[str, Any]]:
    with open(folder / "manifest.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100, help="number of returns (default 100)")
    parser.add_argument("--orgs", type=int, help="organisations in the partnership (default: --n)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help=f"folder (default {DEFAULT_DATA}/n<N>-s<SEED>)")
    parser.add_argument("--jobs", type=int, help="processes filling returns (default: all cores)")
    parser.add_argument(
        "--laa-size",
        type=int,
        default=AREA_SIZE,
        help=f"organisations per LAA (default {AREA_SIZE}: agreements grow with the partnership)",
    )
    parser.add_argument(
        "--force", action="store_true", help="regenerate even if the folder is complete"
    )
    args = parser.parse_args(argv)
    orgs = args.orgs or args.n
    out = args.out or default_dir(args.n, args.seed, orgs, args.laa_size)
    if not args.force and is_complete(out, args.n, args.seed, orgs, args.laa_size):
        print(f"{out} already holds this data set (use --force to regenerate)")
        return
    if args.n < 1:
        raise SystemExit("--n must be at least 1")
    generate(out, args.n, args.seed, orgs, args.jobs, laa_size=args.laa_size)


if __name__ == "__main__":
    main()
