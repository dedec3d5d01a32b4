"""Build NI179.xlam for real and read it back with independent tools (oletools, LibreOffice)."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import click
import defusedxml.ElementTree as SafeET
import pytest
from click.testing import CliRunner
from helpers.components import require_component
from helpers.libreoffice import INSTALL_HINT, soffice

import xl_ni179
from xl_ni179.cli.addin import addin
from xl_ni179.excel.addin import (
    RIBBON_CALLS,
    VERSION_CHECK,
    AddinBuildError,
    build_addin,
    read_addin,
)
from xl_ni179.excel.addin.build import CONF_SHEET, WORKSPACE_KEY, template_path
from xl_ni179.excel.addin.sources import check_sources, macros_dir

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # oletools uses old pyparsing names
    from oletools.olevba import VBA_Parser

CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
INTERPRETER = r"C:\Users\consolidator\ni179\.venv\Scripts\python.exe"
WORKSPACE = r"C:\NI 179 & partners\workspace"
SUB_RE = re.compile(r"^Sub (\w+)\(control As IRibbonControl\)", re.M)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("addin") / "NI179.xlam"
    return build_addin(out, interpreter=INTERPRETER, workspace=WORKSPACE)


@pytest.fixture(scope="module")
def vba(built: Path) -> dict[str, str]:
    """Module name -> source, as oletools (not our reader) extracts them."""
    parser = VBA_Parser(str(built))
    try:
        assert parser.detect_vba_macros()
        return {
            Path(name).stem: code.replace("\r\n", "\n")
            for _, _, name, code in parser.extract_macros()
        }
    finally:
        parser.close()


def _custom_ui(built: Path):
    with zipfile.ZipFile(built) as zf:
        return SafeET.fromstring(zf.read("customUI/customUI.xml"))


def test_olevba_finds_our_module_and_its_runpython_calls(vba: dict[str, str]) -> None:
    assert {"NI179", "xlwings", "Dictionary", "ThisWorkbook", "Sheet2"} <= set(vba)
    assert "RibbonMyAddin" not in vba  # the template's sample module is gone
    source = vba["NI179"]
    assert source.startswith('Attribute VB_Name = "NI179"')
    for func in RIBBON_CALLS.values():
        call = (
            f"""RunPython "import xl_ni179.excel.ribbon as r; r.{VERSION_CHECK}('" & """
            f"""NI179_ADDIN_VERSION & "') and r.{func}()\""""
        )
        assert source.count(call) == 1, func
    assert "Public Function RunPython(" in vba["xlwings"]  # the runtime that runs them


def test_every_onaction_names_a_sub_of_our_module(built: Path, vba: dict[str, str]) -> None:
    subs = set(SUB_RE.findall(vba["NI179"]))
    actions = [el.get("onAction") for el in _custom_ui(built).iter() if el.get("onAction")]
    assert len(actions) == len(RIBBON_CALLS)
    for action in actions:
        module, _, sub = action.partition(".")
        assert module == "NI179" and sub in subs, action
    assert subs == set(RIBBON_CALLS)


def test_every_python_function_called_is_in_ribbon_calls(vba: dict[str, str]) -> None:
    called = re.findall(
        r"\br\.(\w+)\(",
        "\n".join(line for line in vba["NI179"].splitlines() if "RunPython" in line),
    )
    assert set(called) == set(RIBBON_CALLS.values()) | {VERSION_CHECK}
    # Each Sub runs the function RIBBON_CALLS pairs it with, after the version check.
    for sub, func in RIBBON_CALLS.items():
        body = vba["NI179"].split(f"Sub {sub}(control As IRibbonControl)")[1].split("End Sub")[0]
        assert re.findall(r"\br\.(\w+)\(", body) == [VERSION_CHECK, func]


def test_ribbon_xml_is_well_formed_in_the_template_namespace_with_unique_ids(built: Path) -> None:
    root = _custom_ui(built)
    with zipfile.ZipFile(template_path()) as zf:
        template_ns = SafeET.fromstring(zf.read("customUI/customUI.xml")).tag
    assert root.tag == template_ns == f"{{{CUSTOM_UI_NS}}}customUI"
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    tabs = list(root.iter(f"{{{CUSTOM_UI_NS}}}tab"))
    assert [t.get("label") for t in tabs] == ["NI 179"]
    for button in root.iter(f"{{{CUSTOM_UI_NS}}}button"):
        for attr in ("label", "imageMso", "screentip", "supertip", "onAction"):
            assert button.get(attr), (button.get("id"), attr)
    # The source file in macros/ is what went in, byte for byte.
    with zipfile.ZipFile(built) as zf:
        assert zf.read("customUI/customUI.xml") == (macros_dir() / "customUI.xml").read_bytes()


def test_ribbon_module_provides_every_function_the_buttons_call() -> None:
    from xl_ni179.excel import ribbon

    for func in RIBBON_CALLS.values():
        sig = inspect.signature(getattr(ribbon, func))
        sig.bind()  # the buttons call every step with no arguments
    check = inspect.signature(getattr(ribbon, VERSION_CHECK))
    check.bind(xl_ni179.__version__)
    # The VBA runs "check_version(...) and step()": a bool result decides whether it runs.
    assert check.return_annotation in (bool, "bool")


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    again = build_addin(tmp_path / "again.xlam", interpreter=INTERPRETER, workspace=WORKSPACE)
    assert again.read_bytes() == built.read_bytes()
    with zipfile.ZipFile(built) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_version_constant_is_the_package_version(built: Path, vba: dict[str, str]) -> None:
    consts = re.findall(
        r'^Public Const NI179_ADDIN_VERSION As String = "([^"]*)"$', vba["NI179"], re.M
    )
    assert consts == [xl_ni179.__version__]
    assert read_addin(built).version == xl_ni179.__version__


def test_settings_sheet_carries_interpreter_and_workspace(built: Path, vba: dict[str, str]) -> None:
    with zipfile.ZipFile(built) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
    assert f'<sheet name="{CONF_SHEET}"' in workbook
    # xlwings reads the sheet named PROJECT_NAME & ".conf": both must say ni179.
    assert 'Public Const PROJECT_NAME As String = "ni179"' in vba["xlwings"]
    settings = read_addin(built).settings
    assert settings["Interpreter_Win"] == INTERPRETER
    assert settings[WORKSPACE_KEY] == WORKSPACE
    assert settings["ADD_WORKBOOK_TO_PYTHONPATH"] == "FALSE"


def test_unset_settings_are_left_out(tmp_path: Path) -> None:
    settings = read_addin(build_addin(tmp_path, interpreter=None, workspace=None)).settings
    assert "Interpreter_Win" not in settings and WORKSPACE_KEY not in settings


def test_build_refuses_sources_that_disagree() -> None:
    folder = macros_dir()
    ui, bas = (folder / "customUI.xml").read_bytes(), (folder / "NI179.bas").read_text()
    check_sources(ui, bas, CUSTOM_UI_NS)
    broken = bas.replace("r.draft_paper()", "r.draft_papers()")
    with pytest.raises(AddinBuildError, match="DraftPaper"):
        check_sources(ui, broken, CUSTOM_UI_NS)
    with pytest.raises(AddinBuildError, match="Consolidate"):
        check_sources(ui.replace(b'"NI179.Consolidate"', b'"NI179.Consolidat"'), bas, CUSTOM_UI_NS)
    with pytest.raises(AddinBuildError, match="duplicate ids"):
        check_sources(
            ui.replace(b'id="ni179DraftPaper"', b'id="ni179Consolidate"'), bas, CUSTOM_UI_NS
        )
    with pytest.raises(AddinBuildError, match="namespace"):
        check_sources(ui, bas, "http://schemas.microsoft.com/office/2009/07/customui")


def test_cli_build_uses_the_workspace_from_the_main_cli(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    out = tmp_path / "out" / "NI179.xlam"
    result = CliRunner().invoke(addin, ["build", "--out", str(out)], obj={"workspace": workspace})
    assert result.exit_code == 0, result.output
    assert str(out.resolve()) in result.output
    settings = read_addin(out).settings
    assert settings[WORKSPACE_KEY] == str(workspace.resolve())
    assert settings["Interpreter_Win"] == sys.executable


def test_cli_build_leaves_out_the_main_clis_default_workspace(tmp_path: Path) -> None:
    """A main CLI like ours: --workspace with a default; only an explicit one is baked in."""

    @click.group()
    @click.option("--workspace", type=click.Path(path_type=Path), default=lambda: "ni179-ws")
    @click.pass_context
    def main(ctx: click.Context, workspace: Path) -> None:
        ctx.obj = {"workspace": Path(workspace)}

    main.add_command(addin)
    runner = CliRunner()
    plain, explicit = tmp_path / "plain.xlam", tmp_path / "explicit.xlam"
    assert runner.invoke(main, ["addin", "build", "--out", str(plain)]).exit_code == 0
    result = runner.invoke(
        main, ["--workspace", str(tmp_path / "ws"), "addin", "build", "--out", str(explicit)]
    )
    assert result.exit_code == 0, result.output
    assert WORKSPACE_KEY not in read_addin(plain).settings
    assert read_addin(explicit).settings[WORKSPACE_KEY] == str((tmp_path / "ws").resolve())


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="checks the no-Excel message")
def test_cli_install_without_excel_fails_with_one_line(built: Path) -> None:
    result = CliRunner().invoke(addin, ["install", "--file", str(built)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    message = result.output.strip()
    assert message.startswith("Error: ") and "\n" not in message and "Windows or macOS" in message


def _soffice() -> str:
    exe = soffice()
    require_component(exe is not None, INSTALL_HINT)
    assert exe is not None
    return exe


@pytest.mark.real_component
@pytest.mark.slow
def test_libreoffice_opens_the_addin_and_lists_our_module(built: Path, tmp_path: Path) -> None:
    exe = _soffice()
    profile = tmp_path / "profile"  # own profile: never hand the job to another soffice
    # LibreOffice does not recognise .xlam by name, so name the import filter.
    cmd = [
        exe,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--infilter=Calc MS Excel 2007 VBA XML",
        "--convert-to",
        "ods",
        "--outdir",
        str(tmp_path),
        str(built),
    ]
    result = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    ods = tmp_path / "NI179.ods"
    assert ods.exists(), result.stdout + result.stderr
    with zipfile.ZipFile(ods) as zf:
        library = zf.read("Basic/NI179/script-lb.xml").decode()
        module = zf.read("Basic/NI179/NI179.xml").decode()
        content = zf.read("content.xml").decode()
    for name in ("NI179", "xlwings", "Dictionary", "ThisWorkbook", "Sheet2"):
        assert f'library:name="{name}"' in library
    assert f"NI179_ADDIN_VERSION As String = &quot;{xl_ni179.__version__}&quot;" in module
    assert module.count("RunPython") >= len(RIBBON_CALLS)
    assert f'table:name="{CONF_SHEET}"' in content
