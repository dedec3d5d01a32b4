from xl_ni179.cli import main

main()
