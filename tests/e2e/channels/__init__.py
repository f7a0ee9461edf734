"""The same client transcripts through the running app on Telegram, WhatsApp and the web chat."""
