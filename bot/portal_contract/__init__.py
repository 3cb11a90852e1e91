"""The portal API v1 contract, shared by the client (``bot.portal``) and the reference portal
(``bot.portal_service``): payload models, code formats and the errors both sides raise."""
