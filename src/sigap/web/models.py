"""The workspace keeps no tables of its own: canned responses live with the tickets
(``tickets.models.CannedResponse``)."""
