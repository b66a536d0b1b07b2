"""The terms of art the report, notebooks and README use, each in one plain sentence.

The README's glossary and the report's are this list (a test keeps the README's in step).

Example:
    >>> GLOSSARY["SAFE"].startswith("A Simple Agreement for Future Equity")
    True
"""

GLOSSARY = {
    "Neocloud": "A company that rents out GPUs for training and running AI models, as Nscale, CoreWeave and Nebius do.",
    "Equity": "Money paid for shares in the company (funding rounds), which the company never repays.",
    "SAFE": "A Simple Agreement for Future Equity: money paid now for shares issued at a later round; here the $433m SAFE became part of the Series C, so it is counted once.",
    "Committed debt": "A loan the lenders have agreed to provide, counted at its committed amount.",
    "Delayed draw term loan": "A loan the borrower draws in steps, as the GPUs it pays for arrive.",
    "Accordion": "An option to enlarge a loan later if the lenders agree; not yet money, so never counted.",
    "Convertible notes": "Debt that may be turned into shares; counted as debt until it is.",
    "Offtake": "A customer's commitment to take (rent) the capacity a site will provide.",
    "Letter of intent": "A non-binding statement that parties intend to agree; counted at most as a target.",
    "Qualifier": "How a source states a figure: exactly, about, at least, up to, or as a target.",
    "Certainty levels": "Stated counts figures given as a number; with targets adds plans and goals; with up to adds each 'up to' at its maximum.",
    "Claim": "One figure as one source states it, with the few words of the source that state it.",
    "Resolved value": "The figure the tables hold where sources disagree: the primary source's, else the most direct report's.",
    "Primary source": "A document by the company or its partners (a press release, a filing); wires and newspapers report them.",
    "Superseded": "Replaced by a later plan; the later plan is counted instead, never both.",
    "Counted from publication": "A figure enters the totals on the day a source first published it, not on the date of the event it describes.",
    "H100-equivalent": "A GPU counted as its chip's dense 16-bit compute divided by an NVIDIA H100 SXM's, so that generations can be added.",
    "Unknown mix": "GPUs whose chip the sources do not name (or whose chip has no sourced rate): never converted, never guessed.",
    "PUE": "Power usage effectiveness: a data centre's power at the meter divided by the power its computers draw (1.1 to 1.6).",
    "Critical IT load": "The power a site's computers may draw, without cooling and other overheads.",
}
