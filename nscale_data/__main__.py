import sys

from nscale_data.cli import main

sys.exit(main())
