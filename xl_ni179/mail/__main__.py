"""`python -m xl_ni179.mail --workspace DIR intake|chase ...`: the mail commands on their own,
usable before (or without) their registration on the main `ni179` command. An entry point,
like ``xl_ni179.__main__``: the commands themselves are in ``xl_ni179.cli.mail``."""

from xl_ni179.cli.mail import mail_main

if __name__ == "__main__":
    mail_main()
