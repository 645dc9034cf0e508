import sys

from evtwin.cli.main import main

sys.exit(main())
