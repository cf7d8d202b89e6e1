from immuno.cli import main

main()
