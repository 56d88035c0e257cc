"""cspdesk: the billing support desk for Microsoft CSP partners."""

__version__ = "0.1.0"
