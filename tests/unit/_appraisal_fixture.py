"""appraisal.csv text for synthetic sources: every Murad et al. 2018 question answered (yes unless told
otherwise), and ROBINS-I domains for a comparison when asked."""

from __future__ import annotations

from masreview.data import vocab

HEADER = "tool,item,outcome,judgement,support,locator,note\n"


def appraisal_csv(murad: dict | None = None, robins: dict | None = None, robins_outcome: str = "survival") -> str:
    """``murad``: item -> answer overriding 'yes'; ``robins``: domain -> judgement (None: no ROBINS-I rows,
    {} : every domain low)."""
    murad = murad or {}
    lines = [f"murad-2018,{item},,{murad.get(item, 'yes')},\"synthetic, paragraph 1\",\"paragraph 1\","
             for item in vocab.MURAD_ITEMS]
    if robins is not None:
        lines += [f"robins-i,{d},{robins_outcome},{robins.get(d, 'low')},\"synthetic, paragraph 2\",,"
                  for d in vocab.ROBINS_I_DOMAINS]
    return HEADER + "\n".join(lines) + "\n"
