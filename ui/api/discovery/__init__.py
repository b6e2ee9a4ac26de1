"""What members discover beyond their timelines: conversations, preferences, suggestions and the
directory, trends, announcements."""
