"""Small helpers several apps share: Rupiah, names, spreadsheet text, model bases.

It imports none of the apps, so every app may import it.
"""
