"""The choices of USDL/MUSDL's text options (no torch here: listing plugins stays cheap)."""

#: How a distribution becomes a score: its most likely bin (the official code) or its mean.
DECODERS = ("argmax", "expectation")
#: Which judges count: ``middle3`` (diving's 7-judge rule: drop the two highest and two
#: lowest), ``sum`` (every judge), ``auto`` (``middle3`` for 7 judges, else ``sum``).
PANELS = ("auto", "middle3", "sum")
