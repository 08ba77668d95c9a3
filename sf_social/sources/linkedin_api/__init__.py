"""LinkedIn company page source: comments and mentions through the Community Management API
(``client``, ``source``, ``normalize``; ``config`` reads the options without importing the
client), and LinkedIn Lead Sync (``lead_*``)."""
