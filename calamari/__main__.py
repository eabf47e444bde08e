"""`python -m calamari`: the same command as the `calamari` console script."""
from calamari.cli import main

if __name__ == "__main__":
    main()
