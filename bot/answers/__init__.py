"""Message and conversation state in, channel-neutral replies out (see docs/message-flow.md).

``AnswerService`` (questions, follow-ups, feedback, hand-over) and ``DossierAnswers`` (the
dossier form, over the portal only) decide and words every reply of the custom actions; the actions only read
slots, call it, and turn its ``Outcome`` into Rasa messages and events. Reply wording lives in
``texts.py``.
"""

from bot.answers.dossier import DossierAnswers
from bot.answers.replies import Button, Outcome, Reply
from bot.answers.service import AnswerService, Wording

__all__ = ["AnswerService", "Button", "DossierAnswers", "Outcome", "Reply", "Wording"]
