# ruff: noqa: E501  (CSV rows as LinkedIn writes them, one record per line)
"""Fixture LinkedIn exports in each known column layout.

Layouts as documented in ``docs/design.md`` §5 and as public
parsers of the export read them: ``Connections.csv`` with its "Notes:" preamble (e.g.
https://endearist.com/en/blog/how-to-export-linkedin-connections, and the many parsers
whose header is ``First Name,Last Name,URL,Email Address,Company,Position,Connected On``),
``Invitations.csv`` (``From,To,Sent At,Message,Direction,inviterProfileUrl,
inviteeProfileUrl``) and ``messages.csv`` in its older layout without ``RECIPIENT PROFILE
URLS``, the documented one, and the newer one with ``ATTACHMENTS`` and ``IS MESSAGE
DRAFT``. Dates: ``08 Jan 2024`` (Connected On), ``1/15/24, 3:04 PM`` (Sent At),
``2024-01-15 14:03:22 UTC`` (DATE). Names and people are invented.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

ME = "https://www.linkedin.com/in/sam-seller"

CONNECTIONS = """Notes:
"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more here https://www.linkedin.com/help/linkedin/answer/261"

First Name,Last Name,URL,Email Address,Company,Position,Connected On
Jane,Doe,https://www.linkedin.com/in/jane-doe,jane@acme.example,Acme Corp,CTO,20 Feb 2024
Omar,Haddad,https://www.linkedin.com/in/omar-haddad,,"Globex, Inc.",VP Sales,03 Mar 2024
"""

CONNECTIONS_NO_NOTES = """First Name,Last Name,URL,Email Address,Company,Position,Connected On
Jane,Doe,https://www.linkedin.com/in/jane-doe,jane@acme.example,Acme Corp,CTO,20 Feb 2024
"""

INVITATIONS = """From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl
Sam Seller,Jane Doe,"1/15/24, 3:04 PM",Hi Jane - loved your talk,OUTGOING,https://www.linkedin.com/in/sam-seller,https://www.linkedin.com/in/jane-doe
Lena Park,Sam Seller,"2/01/24, 9:30 AM",,INCOMING,https://www.linkedin.com/in/lena-park,https://www.linkedin.com/in/sam-seller
"""

MESSAGES_OLD = """CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,DATE,SUBJECT,CONTENT,FOLDER
2-conv-jane,,Sam Seller,https://www.linkedin.com/in/sam-seller,Jane Doe,2024-02-21 10:00:00 UTC,,"Thanks for connecting, Jane!",INBOX
2-conv-jane,,Jane Doe,https://www.linkedin.com/in/jane-doe,Sam Seller,2024-02-22 08:15:00 UTC,,"Happy to chat.
Next week?",INBOX
"""

MESSAGES = """CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER
2-conv-jane,,Sam Seller,https://www.linkedin.com/in/sam-seller,Jane Doe,https://www.linkedin.com/in/jane-doe,2024-02-21 10:00:00 UTC,,"Thanks for connecting, Jane!",INBOX
2-conv-jane,,Jane Doe,https://www.linkedin.com/in/jane-doe,Sam Seller,https://www.linkedin.com/in/sam-seller,2024-02-22 08:15:00 UTC,,"Happy to chat.
Next week?",INBOX
"""

MESSAGES_NEW = """CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT
2-conv-jane,,Sam Seller,https://www.linkedin.com/in/sam-seller,Jane Doe,https://www.linkedin.com/in/jane-doe,2024-02-21 10:00:00 UTC,,"Thanks for connecting, Jane!",INBOX,,No
2-conv-jane,,Jane Doe,https://www.linkedin.com/in/jane-doe,Sam Seller,https://www.linkedin.com/in/sam-seller,2024-02-22 08:15:00 UTC,,"Happy to chat.
Next week?",INBOX,,No
2-conv-jane,,Sam Seller,https://www.linkedin.com/in/sam-seller,Jane Doe,https://www.linkedin.com/in/jane-doe,2024-02-23 10:00:00 UTC,,unfinished draft,DRAFT,,Yes
"""


def write_export(root: Path, files: dict[str, str]) -> Path:
    """A folder export with ``files`` (name → text)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def zip_export(path: Path, files: dict[str, str], folder: str = "") -> Path:
    """A ZIP export with ``files``, optionally inside ``folder``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(f"{folder}{name}", text)
    return path


ORDINARY = {
    "Connections.csv": CONNECTIONS
    + ",,,,,,\n"  # LinkedIn writes blank rows
    + ",,,,,,05 Apr 2024\n",  # a connection who left LinkedIn: no name, no URL
    "Invitations.csv": INVITATIONS
    + 'LinkedIn Member,Sam Seller,"3/01/24, 9:30 AM",,INCOMING,,https://www.linkedin.com/in/sam-seller\n',
    "messages.csv": MESSAGES
    + "2-conv-gone,,LinkedIn Member,,Sam Seller,https://www.linkedin.com/in/sam-seller,2024-03-02 10:00:00 UTC,,Hello,INBOX\n"
    + "2-conv-gone,,Sam Seller,https://www.linkedin.com/in/sam-seller,LinkedIn Member,,2024-03-03 10:00:00 UTC,,Hi back,INBOX\n",
}
"""``FULL`` with what ordinary exports also hold: blank rows and members who left LinkedIn."""

FULL = {"Connections.csv": CONNECTIONS, "Invitations.csv": INVITATIONS, "messages.csv": MESSAGES}
