from pushwatch.cli import main

raise SystemExit(main())
