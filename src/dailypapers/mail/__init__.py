"""Email digests: choosing what a subscriber gets, rendering it, signed links, SMTP delivery."""
