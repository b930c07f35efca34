"""Transport-neutral features: each module takes a neutral request and answers through replies."""
