from xl_ni179.cli import run

run()
