from multitrack.cli import main

main()
