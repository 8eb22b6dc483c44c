"""Children's names as the product compares them: normalised (`normalise_name`), and a given
name in its canonical form (`canonical_given_name`, Bob = Robert). These are the forms
`Child.match_given_name` and `Child.match_family_name` store, and the forms matching
(`referrals/matching.py`) compares."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Common English diminutives and spellings of a given name, to one canonical form. Keys and
# values are normalised single words; no value is itself a key. Left out as ambiguous: forms
# shared by a boy's and a girl's name (alex, sam, sammy, charlie, chris, jo, frankie,
# georgie, nicky, billie, stevie), forms of several names of one sex (ellie: Eleanor,
# Elizabeth, Ellen; bella: Isabella, Arabella; beth: Elizabeth, Bethany; ted and teddy:
# Edward, Theodore; eddie: Edward, Edwin, Edmund; rick and ricky; max; meg), and forms now
# mostly given as names in their own right (jamie, jack, liam, molly, millie, evie, archie).
NAME_VARIANTS: dict[str, str] = {
    # Robert
    "bob": "robert",
    "bobby": "robert",
    "rob": "robert",
    "robbie": "robert",
    "robby": "robert",
    # Elizabeth
    "liz": "elizabeth",
    "lizzie": "elizabeth",
    "lizzy": "elizabeth",
    "eliza": "elizabeth",
    "betty": "elizabeth",
    "elisabeth": "elizabeth",
    # Katherine
    "kate": "katherine",
    "katie": "katherine",
    "katy": "katherine",
    "kat": "katherine",
    "kathy": "katherine",
    "cathy": "katherine",
    "catherine": "katherine",
    "catharine": "katherine",
    "kathryn": "katherine",
    "katharine": "katherine",
    # William (not Liam, a name in its own right)
    "will": "william",
    "bill": "william",
    "billy": "william",
    # James (not Jamie, now mostly a name in its own right, for boys and girls)
    "jim": "james",
    "jimmy": "james",
    # Thomas
    "tom": "thomas",
    "tommy": "thomas",
    # Henry
    "harry": "henry",
    # Oliver
    "ollie": "oliver",
    "olly": "oliver",
    # Olivia
    "livvy": "olivia",
    # Alfred
    "alfie": "alfred",
    "alf": "alfred",
    # Frederick (a Freddie is sometimes an Alfred: the triage lead decides)
    "fred": "frederick",
    "freddie": "frederick",
    "freddy": "frederick",
    "frederic": "frederick",
    "fredrick": "frederick",
    # Daniel
    "dan": "daniel",
    "danny": "daniel",
    # Benjamin
    "ben": "benjamin",
    "benji": "benjamin",
    # Joshua
    "josh": "joshua",
    # Matthew
    "matt": "matthew",
    "matty": "matthew",
    # Nicholas
    "nick": "nicholas",
    "nicolas": "nicholas",
    # Jessica
    "jess": "jessica",
    "jessie": "jessica",
    # Abigail
    "abby": "abigail",
    "abbie": "abigail",
    # Isabella
    "izzy": "isabella",
    "issy": "isabella",
    # Muhammad, in its common spellings
    "mo": "muhammad",
    "mohammed": "muhammad",
    "mohammad": "muhammad",
    "mohamed": "muhammad",
    "mohamad": "muhammad",
    "muhammed": "muhammad",
    "muhamed": "muhammad",
    "mohd": "muhammad",
    # Andrew
    "andy": "andrew",
    # Anthony
    "tony": "anthony",
    "antony": "anthony",
    # Stephen
    "steve": "stephen",
    "steven": "stephen",
    # Joseph (not Jo, also a girl's name)
    "joe": "joseph",
    "joey": "joseph",
    # Michael
    "mike": "michael",
    "mikey": "michael",
    "mick": "michael",
    "micky": "michael",
    "mickey": "michael",
    # David
    "dave": "david",
    "davey": "david",
    # Richard
    "rich": "richard",
    "richie": "richard",
    # Theodore
    "theo": "theodore",
    # Zachary
    "zac": "zachary",
    "zack": "zachary",
    "zach": "zachary",
    "zak": "zachary",
    # Dominic
    "dom": "dominic",
    # Jennifer
    "jen": "jennifer",
    "jenny": "jennifer",
    # Rebecca
    "becky": "rebecca",
    "becca": "rebecca",
    "bex": "rebecca",
    # Victoria
    "vicky": "victoria",
    "vicki": "victoria",
    "vikki": "victoria",
    # Matilda
    "tilly": "matilda",
    "tillie": "matilda",
    # Harriet
    "hattie": "harriet",
    # Charlotte (not Charlie, also a boy's name)
    "lottie": "charlotte",
    # Grace
    "gracie": "grace",
    # Gabriel
    "gabe": "gabriel",
    # Philip
    "phil": "philip",
    "phillip": "philip",
    # Sebastian
    "seb": "sebastian",
    # Timothy
    "tim": "timothy",
    "timmy": "timothy",
}

# Letters that Unicode does not decompose into an ASCII letter and a mark.
_TRANSLITERATE = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"}
)
_SEPARATORS = re.compile(r"[-\u2010-\u2015\u2212'`\u2018\u2019\u02bc.]")
_NOT_A_LETTER = re.compile(r"[^a-z\s]")


@lru_cache(maxsize=65536)
def normalise_name(value: str) -> str:
    """Lower-case ASCII letters and single spaces: "Zoë O'Neill-Smith" -> "zoe o neill smith"."""
    text = unicodedata.normalize("NFKD", value.casefold()).translate(_TRANSLITERATE)
    text = _NOT_A_LETTER.sub("", _SEPARATORS.sub(" ", text))
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def canonical_given_name(value: str) -> str:
    """The normalised given name, its first word in canonical form: "Bob Lee" -> "robert lee"."""
    words = normalise_name(value).split()
    if words:
        words[0] = NAME_VARIANTS.get(words[0], words[0])
    return " ".join(words)
