"""Pure Indonesian text helpers, below every app: normalising informal Indonesian
(``indonesian``) and the safety detector (``safety``). Nothing here touches the database or
imports another part of Sigap, so triage, the knowledge base, the chatbot and the ticket
intake all use the same pipeline."""
