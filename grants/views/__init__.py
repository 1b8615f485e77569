"""Staff pages of the grants app: programmes, grants and their steps, LPJ."""
