"""The framework every feature is built on: request and actions, context, router, pipeline, dialogs,
translations, permissions and labels. It knows no feature."""
