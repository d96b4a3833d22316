from mlstats.cli.main import main

main()
