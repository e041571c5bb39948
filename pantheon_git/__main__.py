from pantheon_git.main import main

raise SystemExit(main())
