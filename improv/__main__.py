from improv.cli import main

main()
