"""Rule-based "who said what" for news articles (stdlib ``re`` only, no models).

:func:`find_attributions` walks an article paragraph by paragraph. Sentences (from
:mod:`index.sentences`) that are joined by a quotation spanning them form one *group*;
each group is searched, outside its quoted words, for a speech cue:

* a cue verb with its subject before it (``Smith said``, ``"...," he said``,
  ``Marks, who ..., said``, ``... and said``),
* an inverted cue (``"...," said Smith``, ``..., says the White House``),
* ``according to X`` / ``According to X``,
* a participle after a comma (``Judge Roe imposed a fine, saying ...``): the sentence subject.

Speakers may carry a role (``said another organizer, Tobias Wren``, ``One pastor backing
Mr. Cruz, Ivo Brandt of Hollow Creek, said``). Base forms right after a name with no
clause behind them are nouns, not cues (``lingering Sanders support``, ``state delegate``).
Sentences wrongly split after initials (``Chairman G.K. | Butterfield``) or between a
quoted question and its cue (``"Why?" | Pike said``) are rejoined.

Speakers are cleaned of titles (``Retired Maj. Gen.``), resolved to the fullest form of
the name found anywhere in the article (``Hertling`` -> ``Mark Hertling``), and
pronouns (``he``, ``she``) go to the most recent named person. A group that is only a
quotation continues the statement of the group before it when that group is attributed and
quotes, ends with a colon (``Lind said:``), or stands in the same paragraph.
Quotations with no cue at all are left unattributed rather than guessed. Two layouts are
read apart from the cues: quotations signed with a dash (``“…” ― Jane Doe``) and headlines
giving a person's words after their name and a colon (``Cruz: Trump Would Put Liberals
On Court``).

:func:`name_matches` and :func:`speakers_in_question` connect names typed in a question
("what did marks say") to the speakers found here, on whole name tokens only.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from index.sentences import paragraphs, split_sentences

ATTRIBUTION_RULES = 8
"""Version of the rules below. Bump it with any change that alters what they find: a
library opened on older stored attributions re-derives them (see ``Library.open``)."""


@dataclass(frozen=True)
class Attribution:
    """A statement (whole sentences of one paragraph) and who made it."""

    start: int
    end: int
    speaker: str
    kind: str  # "direct", "reported" or "according_to"


# --------------------------------------------------------------------------- lexicon

_CUE_WORDS = """
say says said saying tell tells told add adds added argue argues argued ask asks asked
explain explains explained note notes noted write writes wrote warn warns warned
state states stated claim claims claimed insist insists insisted continue continues
continued declare declares declared reply replies replied tweet tweets tweeted
acknowledge acknowledges acknowledged admit admits admitted announce announces announced
assert asserts asserted contend contends contended counter counters countered
emphasize emphasizes emphasized emphasise emphasises emphasised stress stresses stressed
predict predicts predicted recall recalls recalled remark remarks remarked
respond responds responded testify testifies testified urge urges urged
observe observes observed complain complains complained concede concedes conceded
maintain maintains maintained suggest suggests suggested believe believes believed
think thinks thought agree agrees agreed vow vows vowed pledge pledges pledged
promise promises promised caution cautions cautioned charge charges charged
allege alleges alleged deny denies denied confirm confirms confirmed
reveal reveals revealed joke jokes joked quip quips quipped muse muses mused
boast boasts boasted lament laments lamented posit posits posited
reiterate reiterates reiterated conclude concludes concluded speculate speculates
speculated wonder wonders wondered worry worries worried predict predicted
estimate estimates estimated report reports reported describe describes described
call calls called criticize criticizes criticized criticise criticised praise praises
praised accuse accuses accused blame blames blamed question questions questioned
demand demands demanded propose proposes proposed recommend recommends recommended
advise advises advised assure assures assured shout shouts shouted post posts posted
hint hints hinted indicate indicates indicated point points pointed
clarify clarifies clarified exclaim exclaims exclaimed mention mentions mentioned
adding noting arguing explaining warning tweeting writing telling claiming insisting asking
declaring stating suggesting acknowledging promising urging describing calling
"""
# Stance verbs: weaker evidence of a statement, used only when no speech verb has a speaker.
_STANCE_WORDS = """
defend defends defended tout touts touted assert asserts voice voices voiced
endorse endorses endorsed oppose opposes opposed cite cites cited support supports supported
denounce denounces denounced mock mocks mocked welcome welcomes welcomed recount recounts
recounted hope hopes hoped want wants wanted expect expects expected slam slams slammed
blast blasts blasted attack attacks attacked dismiss dismisses dismissed reject rejects
rejected hail hails hailed laud lauds lauded condemn condemns condemned decry decries
decried applaud applauds applauded highlight highlights highlighted characterize
characterizes characterized label labels labeled dub dubs dubbed discuss discusses
discussed address addresses addressed express expresses expressed fear fears feared
retort retorts retorted snap snaps snapped scoff scoffs scoffed object objects objected
protest protests protested plead pleads pleaded challenge challenges challenged forecast
forecasts threaten threatens threatened encourage encourages encouraged doubt doubts doubted
show shows showed find finds found conclude explain read reads put puts remember
remembers remembered decline declines declined echo echoes echoed speak speaks spoke
disagree disagrees disagreed signal signals signaled signalled implore implores implored
apologize apologizes apologized thank thanks thanked congratulate congratulates
congratulated champion champions championed advocate advocates advocated request requests
requested appeal appeals appealed hesitate hesitates hesitated grumble grumbles grumbled
sneer sneers sneered rail rails railed fume fumes fumed rave raves raved gush gushes gushed
vent vents vented concur concurs concurred
"""
_SPEECH_VERBS = frozenset(_CUE_WORDS.split())
_CUE_VERBS = _SPEECH_VERBS | frozenset(_STANCE_WORDS.split())
# Base forms ("support", "state"): right after a name they are nouns ("Sanders support").
_BASE_FORMS = frozenset(
    w
    for w in _CUE_VERBS
    if {w + "s", w + "es", w[:-1] + "ies"} & _CUE_VERBS and w not in {"say", "put"}
)
_CLAUSE_OPENERS = frozenset(
    """
    that the a an in on at to it this these those they he she we i you his her their its
    there for with of by about not no what how why whether if when who which our my your
    """.split()
)
_CUE_RE = re.compile(
    r"\b(?:[Aa]ccording\s+to|" + "|".join(sorted(_CUE_VERBS, key=len, reverse=True)) + r")\b"
)

_AUX_OR_ADVERB = frozenset(
    """
    also later then previously recently repeatedly often once has had have would will could
    might may did does do himself herself themselves itself further again publicly privately
    simply flatly quickly only just first initially separately similarly earlier
    subsequently ultimately finally long never not already even openly bluntly frankly
    reportedly vocally specifically explicitly directly angrily emphatically tersely
    jokingly confidently sharply too yesterday today tonight always has've can
    """.split()
)
_PASSIVE = frozenset("was were been being is are be am".split())
# Verbs that only count as speech when followed by the right word ("point out").
_NEEDS_PARTICLE: dict[str, str | tuple[str, ...]] = {
    "point": "out",
    "points": "out",
    "pointed": "out",
    "put": "it",
    "puts": "it",
    **dict.fromkeys(("speak", "speaks", "spoke"), ("about ", "out", "of ")),
}

_TITLES = frozenset(
    """
    mr mrs ms miss dr prof professor sir dame lord lady rev reverend fr father sister brother
    gen general lt lieutenant col colonel maj major capt captain cpl corporal sgt sergeant
    adm admiral cmdr commander pvt private gov governor sen senator rep representative
    congressman congresswoman president vice pres secretary minister prime chancellor mayor
    ambassador judge justice chief chairman chairwoman chair director spokesman spokeswoman
    spokesperson attorney leader speaker commissioner sheriff councilman councilwoman
    councilor superintendent officer deputy premier king queen prince princess pope bishop
    cardinal rabbi imam supervisor administrator manager head coach candidate nominee host
    anchor ceo cfo coo chief-of-staff
    assemblyman assemblywoman delegate trooper detective inspector agent correspondent
    editor professor economist analyst founder co-founder executive treasurer
    sens reps govs lts gens hon honorable st saint
    librarian teacher nurse lawyer scientist historian engineer activist researcher pastor
    priest architect artist photographer firefighter volunteer organizer planner principal
    physician surgeon psychologist biologist chemist physicist astronomer lawmaker
    legislator councillor veteran curator chef paramedic dentist pharmacist accountant
    consultant entrepreneur investor rancher electrician plumber
    actor actress rapper comedian comic author novelist poet musician journalist
    columnist commentator pundit pollster strategist adviser advisor aide designer
    filmmaker producer businessman businesswoman counsel
    """.split()
)
"""Titles, ranks and job titles: written before a name ("Sen.", "Librarian Tom Baker"),
they are not part of it."""
_AFFILIATIONS = frozenset(
    """
    retired former then late republican republicans democratic democrat democrats gop
    independent libertarian us u.s american british russian ukrainian chinese french german
    israeli iranian syrian iraqi mexican canadian australian japanese korean indian
    presidential acting incoming outgoing interim newly-elected elected
    """.split()
)
_STOP = frozenset(
    """
    the a an but and or so yet in on at of for from with by as after before when while if
    then also still however meanwhile later earlier last this that these those it its his
    her their our my your we they he she i you both each every some many most other another
    speaking asked now even only just why what how where who whom whose yes no not today
    yesterday monday tuesday wednesday thursday friday saturday sunday there here during
    since until although though because according like unlike despite instead over under
    more much such all any few several one two three dear sources source officials
    """.split()
)
_ORG_WORDS = frozenset(
    """
    house department ministry times post news party committee council agency inc corp co
    company association university college institute office service administration
    commission court congress senate police government campaign group foundation center
    centre network bank fund board union council journal tribune herald press associated
    reuters bureau organization organisation coalition alliance league club school church
    pentagon kremlin army navy force forces guard command authority authorities club
    federation society trust partners capital media television radio magazine
    street review report poll survey study data research institute watch project
    states kingdom republic korea america africa arabia europe east west north south
    """.split()
)
_PRONOUNS = frozenset({"he", "she"})
_PARTICLES = r"(?:de|da|van|von|der|den|du|del|della|di|la|le|bin|ibn|al|el|ben|dos|das)"
_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĖĘĚĜĞĠĢĤĦĨĪĮİĶĹĻĽŁŃŅŇŌŐŒŔŖŘŚŜŞŠŢŤŪŮŰŲŴŶŸŹŻŽ"
_QUOTE_OPEN = "“«„"
_QUOTE_CLOSE = "”»"
_QUOTE_ANY = '"“”«»„'
_ABBREVIATED = (
    r"(?:Mr|Mrs|Ms|Dr|Lt|Gen|Maj|Col|Sen|Sens|Rep|Reps|Gov|Jr|Sr|St|Capt|Sgt|Adm|Prof|Rev"
    r"|Pres|Cmdr|Atty|Hon|Cpl|Pvt|Supt|Det|Insp|Gens|Ft|Mt)\."
)
_NAME_TOKEN = (
    rf"(?:{_ABBREVIATED}|(?:[{_UP}]\.){{1,3}}|[{_UP}][\w’'\-]*"
    rf"|(?:al|el|bin|ibn|ben|de|d’|d'|O’|O')-?[{_UP}][\w’'\-]*"
    rf"|(?:[\"“]|'')[{_UP}][\w’'\-.]*(?:\s[{_UP}][\w’'\-.]*)?(?:[\"”]|''))"
)
_RUN = rf"(?<![\w’'\-]){_NAME_TOKEN}(?:[^\S\n]+(?:{_PARTICLES}[^\S\n]+)*{_NAME_TOKEN})*"
"""A run of capitalised words (with "de", "van" …) on one line: a name never spans lines."""
_RUN_RE = re.compile(_RUN)
_RUN_AT_END = re.compile(rf"(?:\b(the|The)\s+)?({_RUN})\s*$")
_RUN_OF_PLACE = re.compile(rf"(?:\b(the|The)\s+)?({_RUN})\s+of\s+{_RUN}\s*$")
_RUN_THEN_OF = re.compile(rf"\s*({_RUN})\s+(?:of|from|at)\s+(?=\S)")
_PLACE_BEFORE = re.compile(
    r"\b([A-Za-z][\w’'-]*)\s+(?:in|on|at|near|across|outside|inside|around|from|throughout)"
    r"\s*$"
)
"""A common noun and a place preposition before a name: the name is where the subject is
("officials in Seoul", "shop owners on Elm Street"), not who speaks."""
_WHOLE_RUN = re.compile(rf"\s*{_RUN}\s*")
_RUN_AT_START = re.compile(rf"\s*(?:(the|The)\s+)?({_RUN})")
_VOICE = r"(?:spokes(?:man|woman|person|people)|officials?|representatives?)"
_VOICE_LEAD = r"(?:(?:senior|top|chief|deputy|another|one|two|three|several)\s+)?"
_ORG_VOICE_AT_END = re.compile(
    rf"(?:\b(?:[Aa]n?|[Tt]he|[Aa]nother|[Oo]ne)\s+)?{_VOICE_LEAD}({_RUN})\s+{_VOICE}\s*$"
)
_ORG_VOICE_AT_START = re.compile(
    rf"\s*(?:[Aa]n?|[Tt]he|[Aa]nother|[Oo]ne)\s+{_VOICE_LEAD}({_RUN})\s+{_VOICE}\b"
)
"""An organisation speaking through someone unnamed: "a Foreign Ministry spokesman said",
"said a senior State Department official". The statement is the organisation's."""
_NICKNAME = re.compile(
    rf"[{_UP}][\w’'\-.]*\s+([\"“]|'')[{_UP}][\w’'\-.]*(?:\s[{_UP}][\w’'\-.]*)?([\"”]|'')\s+[{_UP}]"
)
_QUOTE_MARK = re.compile(r"''|[\"“”«»„]")
_SUBORDINATOR = re.compile(
    r"\W*(?:After|Before|When|While|Since|Although|Though|If|As|Because|Until|Once|Unless)\b"
)
_CLAUSE_SEPARATOR = re.compile(r"[,;—–()\[\]]|\s-\s")
_SEPARATOR = re.compile(r"[,;:—–()\[\]\x00]|\s-\s|''|[\"“”«»„]")
_MASK = "\x00"
_PARTY_LABEL = re.compile(
    r"\s?\((?:(?:[RDI]|Rep|Dem|Ind)\.?-[^()\x00]{1,20}|[RDI])\)"
    r"|,\s[RDI]-[A-Z][A-Za-z.]{1,12}"
    r"(?:,(?=\s+(?:" + "|".join(sorted(_CUE_VERBS, key=len, reverse=True)) + r")\b))?(?=,|\s)"
)
"""``(D-N.Y.)``, ``(D)``, ``, R-Pa.,``: masked so the name before them stays the subject
(the comma after ``, R-Pa.`` goes too when a verb follows: ``Thompson, R-Pa., said``)."""
_WORD = re.compile(r"[\w’'\-.]+")
_AFTER_NAME = frozenset(
    "in at on with to during after before of from for about by via when while who whose "
    "as last this on, recently earlier later told on".split()
)
_NOT_DESCRIPTOR = frozenset(
    "in at on with to during after before of from for about by via through into over and or "
    "who which that whose when while where as is was has had".split()
)
_ROLE_PHRASE = re.compile(
    r"\s*(?:an?|the|another|one|his|her|its|their|[A-Z][\w\-]*['’]s)\s+[\w\s’'\-.]+"
)
_LEADING_CONJUNCTION = re.compile(r"(?:as|and|but|so)\s+(?:the\s+)?[A-Z]")
_ROLE_START = re.compile(r"(?:A|An|The|One|Another|Among\s+them)\s+[a-z]")
_PREPOSITIONS = frozenset(
    "in at on with to during after before of from for about by via through into over".split()
)


# --------------------------------------------------------------------------- names


@lru_cache(maxsize=65536)
def _norm(token: str) -> str:
    """Lower-case ``token`` without accents, quotes, apostrophes or a final period."""
    decomposed = unicodedata.normalize("NFKD", token)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\"“”'’`.]", "", plain.lower())


@lru_cache(maxsize=16384)
def _name_tokens(name: str) -> tuple[str, ...]:
    """Normalised tokens of a name, without titles, ``the`` and generational suffixes."""
    tokens = [_norm(t) for t in re.split(r"\s+", name.strip()) if t]
    tokens = [t for t in tokens if t]
    while tokens and (tokens[0] in _TITLES or tokens[0] == "the"):
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in {"jr", "sr", "ii", "iii", "iv"}:
        tokens = tokens[:-1]
    return tuple(tokens)


def is_title(word: str) -> bool:
    """Whether ``word`` is a title or rank that may stand before a name ("Sen.", "Secretary")."""
    return _norm(word) in _TITLES


def _is_possessive(token: str) -> bool:
    return token.endswith(("'s", "’s", "s'", "s’")) and len(token) > 2


def _clean_run(run: str, after_the: bool) -> tuple[str, bool] | None:
    """(name, is_organisation) for a run of capitalised words, or None if it names no one."""
    tokens = run.split()
    while tokens and (_norm(tokens[0]) in _STOP or (len(tokens) > 1 and tokens[0].endswith("ing"))):
        after_the = after_the or _norm(tokens[0]) == "the"
        tokens = tokens[1:]
    if not tokens or _is_possessive(tokens[-1]):
        return None
    for index in range(len(tokens) - 2, -1, -1):
        if _is_possessive(tokens[index]):
            tokens = tokens[index + 1 :]
            after_the = False
            break
    last_title = max((i for i, t in enumerate(tokens[:-1]) if _norm(t) in _TITLES), default=-1)
    if last_title >= 0:
        tokens = tokens[last_title + 1 :]
        after_the = False
    normed = [_norm(t) for t in tokens]
    is_org = after_the or any(t in _ORG_WORDS for t in normed)
    while not is_org and len(tokens) > 1 and _norm(tokens[0]) in _AFFILIATIONS:
        tokens = tokens[1:]
    if not tokens or (len(tokens) == 1 and _norm(tokens[0]) in _TITLES | _STOP):
        return None
    name = " ".join(tokens)
    normed = [_norm(t) for t in tokens]
    acronym = len(tokens) == 1 and len(name) > 1 and name.replace(".", "").isupper()
    is_org = is_org or acronym
    if after_the:
        name = "the " + name
    return name, is_org


_GENDERED = re.compile(
    rf"\b(Mr|Mrs|Ms|Miss)\.?\s+(?:[{_UP}][\w’'\-]*\s+)*?([{_UP}][\w’'\-]*)(?![\w’'\-]|\s+[{_UP}])"
)


MAX_NAME_TOKENS = 6
"""Longer capitalised runs are headlines, not fuller forms of a name (particles count:
"Luiz Inácio Lula da Silva" is five)."""
_HEADLINE_WORD = re.compile(r"\b(?:And|Or|The|Of|For|With|Between|To|In|On|Is|Are|Why|How)\b")
"""Title-case function words: "… Between Bernie Sanders And Hillary Clinton" is a
headline."""


class _Registry:
    """Person names of one article, by surname, with the positions they occur at."""

    def __init__(self, text: str) -> None:
        self._by_surname: dict[str, list[tuple[int, str]]] = {}  # in text order
        self._entries: dict[tuple[str, ...], tuple[list[tuple[int, str]], list[int]]] = {}
        self._fullest: dict[tuple[tuple[str, ...], str], str] = {}
        self.gender: dict[str, str] = {}  # surname -> "he" / "she", from Mr. / Mrs. / Ms.
        for match in _GENDERED.finditer(text):
            gender = "he" if match.group(1) == "Mr" else "she"
            self.gender.setdefault(_norm(match.group(2)), gender)
        for match in _RUN_RE.finditer(text):
            before = text[max(0, match.start() - 4) : match.start()]
            cleaned = _clean_run(match.group(), before.endswith(("the ", "The ")))
            if cleaned is None or cleaned[1]:
                continue
            name = cleaned[0]
            tokens = _name_tokens(name)
            if 2 <= len(tokens) <= MAX_NAME_TOKENS and not _HEADLINE_WORD.search(name):
                self._by_surname.setdefault(tokens[-1], []).append((match.start(), name))

    def resolve(self, name: str, position: int) -> str:
        """The fullest registered name compatible with ``name`` near ``position``.

        The names compatible with ``name`` and the fullest name for each anchor are
        worked out once per article (a long text naming one person thousands of times
        stays linear)."""
        tokens = _name_tokens(name)
        if not tokens:
            return name
        entries, positions = self._compatible(tokens)
        if not entries:
            return name
        before = bisect.bisect_right(positions, position)
        anchor = entries[before - 1][1] if before else entries[0][1]
        key = (tokens, anchor)
        if key not in self._fullest:
            anchor_tokens = set(_name_tokens(anchor))
            compatible = [full for _, full in entries if anchor_tokens <= set(_name_tokens(full))]
            self._fullest[key] = max(
                compatible, key=lambda full: (len(_name_tokens(full)), len(full))
            )
        return self._fullest[key]

    def _compatible(self, tokens: tuple[str, ...]) -> tuple[list[tuple[int, str]], list[int]]:
        """The registered ``(position, name)`` holding all of ``tokens``, in text order,
        and their positions."""
        if tokens not in self._entries:
            wanted = set(tokens)
            entries = [
                (pos, full)
                for pos, full in self._by_surname.get(tokens[-1], [])
                if wanted <= set(_name_tokens(full))
            ]
            self._entries[tokens] = (entries, [pos for pos, _ in entries])
        return self._entries[tokens]


# --------------------------------------------------------------------------- quotes


def _quote_regions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of quotations in ``text[start:end]`` (marks included); unclosed ones run to end."""
    nickname_marks: set[int] = set()
    for match in _NICKNAME.finditer(text, start, end):
        nickname_marks.update({match.start(1), match.start(2)})
    regions: list[tuple[int, int]] = []
    open_at: int | None = None
    for mark in _QUOTE_MARK.finditer(text, start, end):
        if mark.start() in nickname_marks:
            continue
        if open_at is None:
            if mark.group() not in _QUOTE_CLOSE or _looks_opening(text, mark.start(), start):
                open_at = mark.start()
        elif mark.group() not in _QUOTE_OPEN or not _looks_opening(text, mark.start(), start):
            regions.append((open_at, mark.end()))
            open_at = None
    if open_at is not None:
        regions.append((open_at, end))
    return regions


def _looks_opening(text: str, position: int, floor: int) -> bool:
    before = text[position - 1] if position > floor else " "
    # Invisible format characters (U+202A and friends) count as the paragraph's start.
    return before.isspace() or before in "([—–-" or unicodedata.category(before) == "Cf"


def _mask(text: str, start: int, end: int, regions: list[tuple[int, int]]) -> str:
    """``text[start:end]`` with the words inside quotations replaced by mask characters."""
    chars = list(text[start:end])
    for q_start, q_end in regions:
        if q_end <= start or q_start >= end:
            continue
        open_len = 2 if text.startswith("''", q_start) else 1
        inner_start = max(q_start + open_len, start)
        inner_end = min(q_end, end)
        if q_end < len(text) + 1 and q_end > q_start + open_len and q_end <= end:
            inner_end = q_end - (2 if text[q_end - 2 : q_end] == "''" else 1)
        for i in range(inner_start, inner_end):
            chars[i - start] = _MASK
    masked = "".join(chars)
    return _PARTY_LABEL.sub(lambda m: " " * len(m.group()), masked)


_INITIALS_AT_END = re.compile(rf"[{_UP}][\w’'\-]*\s+((?:[{_UP}]\.){{2,3}})$")
_NOT_INITIALS = frozenset({"U.S.", "D.C.", "U.N.", "U.K.", "E.U.", "L.A.", "N.Y.", "A.M.", "P.M."})
_QUESTION_QUOTE = re.compile(r"[?!][\"”']+$")
_CUE_STARTS = re.compile(
    rf"(?:(?:[{_UP}][\w’'\-.]*|he|she|He|She)\s+){{1,4}}(?:"
    + "|".join(sorted(_SPEECH_VERBS, key=len, reverse=True))
    + r")\b"
)


def _rejoin(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Undo two wrong sentence splits: after initials (``Chairman G.K. | Butterfield said``)
    and between a quoted question and its cue (``"Why not?" | Lichtman said.``)."""
    out: list[tuple[int, int]] = []
    for start, end in sentences:
        if out:
            p_start, p_end = out[-1]
            previous = text[p_start:p_end]
            initials = _INITIALS_AT_END.search(previous)
            joined = (
                initials is not None
                and initials.group(1) not in _NOT_INITIALS
                and text[start : start + 2].istitle()
            ) or (
                previous[:1] in _QUOTE_ANY + "'"
                and _QUESTION_QUOTE.search(previous) is not None
                and _CUE_STARTS.match(text, start, end) is not None
            )
            if joined:
                out[-1] = (p_start, end)
                continue
        out.append((start, end))
    return out


def _groups(
    sentences: list[tuple[int, int]], regions: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Merge consecutive sentences joined by a quotation spanning their boundary."""
    groups: list[tuple[int, int]] = []
    for start, end in sentences:
        if groups and any(q0 < groups[-1][1] and q1 > start for q0, q1 in regions):
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return groups


# --------------------------------------------------------------------------- cues


@dataclass(frozen=True)
class _Cue:
    speaker: str  # raw speaker text: a name, "the X" or a pronoun
    is_org: bool
    position: int  # absolute offset of the cue
    kind: str
    priority: int


def _is_adverb(word: str) -> bool:
    """A lower-case ``-ly`` word ("cynically", "forcefully"), not a name ("Kelly") or a
    noun or adjective ("the Obama family", "rally")."""
    return (
        len(word) > 4
        and word.endswith("ly")
        and word.isalpha()
        and word.islower()
        and word not in _LY_NOT_ADVERBS
    )


_LY_NOT_ADVERBS = frozenset(
    "family daily weekly monthly quarterly yearly rally ally assembly supply reply early "
    "friendly elderly holy lonely lovely ugly costly likely".split()
)


def _strip_aux(pre: str) -> str:
    """Drop auxiliaries and adverbs between a subject and its verb ("Smith also has")."""
    while True:
        match = re.search(r"(\S+)\s*$", pre)
        word = match.group(1).strip(",") if match else ""
        if word.lower() not in _AUX_OR_ADVERB and not _is_adverb(word):
            return pre
        pre = pre[: match.start()]


def _is_appositive(segment: str) -> bool:
    stripped = segment.strip()
    if not stripped:
        return False
    first = stripped[0]
    if _LEADING_CONJUNCTION.match(stripped) and stripped.split()[-1][0].isupper():
        return False  # "Or, as Tom Ridge, a former secretary, put it"
    if first.islower() or first.isdigit():
        return True
    last_word = stripped.split()[-1]
    return last_word[0].islower() and _norm(last_word) not in _PRONOUNS


_NAME_TAIL_CHARS = 200
"""A name (with titles) before a cue verb is never longer than this."""


def _name_at_end(segment: str) -> tuple[str, bool] | None:
    pronoun = re.search(r"\b(he|she|He|She)\s*$", segment)
    if pronoun:
        return pronoun.group(1).lower(), False
    tail = segment[-_NAME_TAIL_CHARS:]  # "$"-anchored searches are quadratic on long runs
    match = _RUN_AT_END.search(tail)
    if match is None:
        voice = _ORG_VOICE_AT_END.search(tail)
        return _organisation(voice.group(1)) if voice else None
    place = _PLACE_BEFORE.search(tail[: match.start()])
    titled = any(_norm(t) in _TITLES for t in match.group(2).split()[:-2])
    if place is not None and not titled:  # "officials in Seoul", "owners on Elm Street"
        if re.fullmatch(_VOICE, place.group(1).lower()):  # "officials at the Pentagon"
            found = _clean_run(match.group(2), match.group(1) is not None)
            return found if found is not None and found[1] else None
        if place.group(1)[0].isupper():  # "Ted Cruz in Iowa said": the person before it
            before = _RUN_AT_END.search(tail[: place.end(1)])
            person = _clean_run(before.group(2), before.group(1) is not None) if before else None
            return person if person and not person[1] and len(person[0].split()) >= 2 else None
        return None
    lead = _RUN_THEN_OF.match(segment)
    if lead and " and " not in segment[lead.end() :]:
        person = _clean_run(lead.group(1), False)
        words = person[0].split() if person else []
        if person and not person[1] and len(words) >= 2 and _norm(words[-1]) not in _TITLES:
            return person
    of_place = _RUN_OF_PLACE.search(tail)
    if of_place:
        person = _clean_run(of_place.group(2), of_place.group(1) is not None)
        if (
            person
            and not person[1]
            and len(person[0].split()) >= 2
            and _norm(person[0].split()[-1]) not in _TITLES
        ):
            return person
    return _clean_run(match.group(2), match.group(1) is not None)


def _organisation(run: str) -> tuple[str, bool] | None:
    """("the Foreign Ministry", True) for a run naming an organisation, else None."""
    found = _clean_run(run, True)
    if found is None or not any(_norm(t) in _ORG_WORDS for t in found[0].split()):
        return None
    return found


def _subject_before(masked: str, verb_at: int) -> tuple[tuple[str, bool], bool] | None:
    """(speaker, follows_quote) for the subject of the cue verb at ``verb_at``."""
    pre = _strip_aux(masked[:verb_at])
    last_word = re.search(r"(\S+)\s*$", pre)
    if last_word and last_word.group(1).lower() in _PASSIVE:
        return None
    pieces = _SEPARATOR.split(pre)
    immediate = pieces[-1]
    if immediate.strip() and not _is_dangling_and(immediate):
        seps = _SEPARATOR.findall(pre)
        follows_quote = bool(seps) and (seps[-1] in _QUOTE_ANY or seps[-1] == "''")
        found = _name_at_end(immediate)
        if found is None:
            lead = re.match(rf"\W*(?:(the|The)\s+)?({_RUN})\b.*\band\s*$", immediate)
            if lead:
                found = _clean_run(lead.group(2), lead.group(1) is not None)
        return (found, follows_quote) if found else None
    found = _subject_behind_appositive(pre)
    return (found, False) if found else None


def _subject_behind_appositive(pre: str) -> tuple[str, bool] | None:
    """The name in ``Smith, who ..., said`` or ``A spokesman, John Doe, said``."""
    pieces = _CLAUSE_SEPARATOR.split(pre)
    index = len(pieces) - 1
    if pieces[index].strip() and not _is_dangling_and(pieces[index]):
        return None
    index -= 1
    skipped = False
    while index >= 0 and (
        _is_appositive(pieces[index])
        or (_is_short_place(pieces[index]) and index > 0 and _starts_lower(pieces[index - 1]))
    ):
        index -= 1
        skipped = True
    if index < 0:
        return None
    if not skipped and not (index > 0 and _is_role(pieces[index - 1])):
        return None
    return _name_at_end(_SEPARATOR.split(pieces[index])[-1])


def _is_role(segment: str) -> bool:
    """A description before a name: ``a spokesman for X``, ``One pastor supporting Mr. Cruz``."""
    return _is_appositive(segment) or _ROLE_START.match(segment.strip()) is not None


def _is_dangling_and(segment: str) -> bool:
    """A verb phrase ending in "and" ("became a delegate and"): the subject lies before it."""
    return _starts_lower(segment) and re.search(r"\band\s*$", segment) is not None


def _starts_lower(segment: str) -> bool:
    stripped = segment.strip()
    return bool(stripped) and stripped[0].islower()


def _is_short_place(segment: str) -> bool:
    words = segment.split()
    return 0 < len(words) <= 2 and all(w[0].isupper() for w in words)


def _noun_phrase_name(phrase: str, allow_prepositions: bool) -> tuple[str, bool] | None:
    """The name in a noun phrase after an inverted cue or ``according to``."""
    runs = list(re.finditer(rf"(?:\b(the|The)\s+)?({_RUN})", phrase))
    if not runs:
        return None
    chosen = runs[0]
    if not allow_prepositions:
        lead = phrase[: chosen.start()].split()
        if any(w.lower() in _PREPOSITIONS for w in lead) or len(lead) > 5:
            return None
    for later in runs[1:]:
        between = phrase[chosen.end() : later.start()].split()
        if len(between) > 3 or any(w.lower() in _NOT_DESCRIPTOR for w in between):
            break
        chosen = later
    remainder = phrase[chosen.end() :].split()
    if not allow_prepositions and remainder and remainder[0].lower() not in _AFTER_NAME:
        return None
    return _clean_run(chosen.group(2), chosen.group(1) is not None)


def _speaker_after(masked: str, verb_end: int, allow_prepositions: bool) -> tuple[str, bool] | None:
    rest = masked[verb_end:]
    pronoun = re.match(r"\s+(he|she)\b(?=\s*(?:$|[,.;:!?\x00\"“”']))", rest)
    if pronoun and not allow_prepositions:
        return pronoun.group(1), False
    parts = re.split(r"[,;:—–()\x00\"“”«»]|''|\.(?=\s*(?:$|[\x00\"“'(]))", rest)
    phrase = parts[0]
    voice = _ORG_VOICE_AT_START.match(phrase)
    if voice:
        # "said a Foreign Ministry spokesman, Lu Kang.": the person, named after a comma
        if len(parts) > 1 and _WHOLE_RUN.fullmatch(parts[1]):
            person = _clean_run(parts[1].strip(), False)
            if person and not person[1] and len(person[0].split()) >= 2:
                return person
        return _organisation(voice.group(1))
    found = _noun_phrase_name(phrase, allow_prepositions)
    if found is None and len(parts) > 1 and not re.search(r"[A-Za-z]", phrase.replace("the", "")):
        return None
    if found is None and len(parts) > 1 and _ROLE_PHRASE.fullmatch(phrase):
        found = _noun_phrase_name(parts[1], False)
    return found


def _is_noun_use(masked: str, verb: re.Match[str]) -> bool:
    """A base form after a name, followed by no clause: ``Sanders support.``, ``state delegate``."""
    last = re.search(r"(\S+)\s*$", masked[: verb.start()])
    if last is None or not last.group(1)[0].isupper() or last.group(1) == "I":
        return False
    following = re.match(r"\s*([\w’'\-]+)", masked[verb.end() :])
    if following is None:
        return True
    word = re.split(r"[’']", following.group(1))[0]
    return word[:1].islower() and word not in _CLAUSE_OPENERS


_ADDS_NEW = re.compile(r"\s+a\s+new\b")
"""``can add a new title``: never speech, quoted words or not."""
_NOT_SPEECH_AFTER = {
    # "Lerer reported from Los Angeles." (a byline)
    "report": re.compile(r"\s+from\s+[A-Z]"),
    # "Ethiopia continues to occupy the village", "Ruiz continued her tour" (but
    # "…," she continued. / continued in a statement / continued that …)
    "continue": re.compile(r"\s+(?!that\b|in\s+an?\s)[a-z]"),
    # "adding 200 jobs", "adds up", "added his voice": an object (a number, a determiner)
    # or a particle, where speech has a clause or a quotation
    "add": re.compile(
        r"\s+(?:\d|(?:a|an|to|another|one|two|three|four|five|six|seven|eight|nine|ten|dozens|hundreds"
        r"|thousands|millions|billions|up|by|more|less|new|additional|almost|nearly|about"
        r"|roughly|some|several|his|her|its|their|our|my|your|over|jobs)\b)"
    ),
    # "Unions called a strike", "called off the talks", "called in the army" (but "called
    # it a disgrace", "called for calm", "called the plan a failure", "called a report
    # “outrageous”")
    "call": re.compile(
        r"\s+(?:(?:a|an)\b(?![^\x00\"“”]*[\x00\"“”])|(?:off|up|in|back|out|home)\b)"
    ),
}


def _is_not_speech(masked: str, verb: re.Match[str]) -> bool:
    """Cue words used for something other than speech in this sentence.

    A byline (``Lerer reported from Los Angeles.``), ``continues to``, ``can add a new
    title``, and a refusal to answer (``did not respond to requests for comment``).
    """
    word = verb.group().lower()
    stem = next((s for s in _NOT_SPEECH_AFTER if word.startswith(s)), None)
    if stem == "add" and _ADDS_NEW.match(masked, verb.end()):
        return True
    # "“We will win,” Smith added a moment later.", "she added a caveat: “…”": with a
    # quotation in the sentence, "add" is speech
    quoting = stem == "add" and _MASK in masked
    if stem is not None and not quoting and _NOT_SPEECH_AFTER[stem].match(masked, verb.end()):
        return True
    if word.startswith("respond"):
        before = masked[max(0, verb.start() - 30) : verb.start()].lower()
        return bool(re.search(r"(?:\bnot|n[’']t)(?:\s+\w+ly)?\s+$", before))
    return False


def _sentence_subject(masked: str) -> tuple[str, bool] | None:
    """The name opening ``masked`` when a verb follows it: ``Judge Ann Roe imposed ...``."""
    lead = _RUN_AT_START.match(masked)
    if lead is None or not re.match(r"(?:,[^,]{1,80},)?\s+[a-z]", masked[lead.end() :]):
        return None
    if _SUBORDINATOR.match(masked):
        return None
    return _clean_run(lead.group(2), lead.group(1) is not None)


def _is_final_cue(masked: str, verb: re.Match[str]) -> bool:
    """``..., Smith said.`` / ``..., Smith told CNN on Monday.``: the cue ends the sentence."""
    before = masked[: verb.start()].rstrip()
    if "," not in before:
        return False
    rest = masked[verb.end() :]
    return "," not in rest and _MASK not in rest and len(rest.split()) <= 6


def _in_subordinate_clause(masked: str, position: int) -> bool:
    """The cue sits in a leading "After X announced ..., " clause."""
    lead = _SUBORDINATOR.match(masked)
    return lead is not None and "," not in masked[:position] and "," in masked[position:]


def _cues(masked: str, offset: int) -> list[_Cue]:
    """Every resolvable speech cue of a masked group, in text order."""
    cues: list[_Cue] = []
    for match in _CUE_RE.finditer(masked):
        word = match.group()
        if word.startswith(("according", "According")):
            found = _speaker_after(masked, match.end(), allow_prepositions=True)
            if found:
                cues.append(_Cue(found[0], found[1], offset + match.start(), "according_to", 1))
            continue
        particle = _NEEDS_PARTICLE.get(word)
        if particle and not masked[match.end() :].lstrip().startswith(particle):
            continue
        if _is_not_speech(masked, match):
            continue
        subject = _subject_before(masked, match.start())
        if subject is not None and word in _BASE_FORMS and _is_noun_use(masked, match):
            continue
        if subject is not None:
            (name, is_org), follows_quote = subject
            leads = follows_quote and masked.lstrip()[:1] in _QUOTE_ANY + "'"
            priority = 0 if leads or _is_final_cue(masked, match) else 2
            priority += 0 if word in _SPEECH_VERBS else 1
            if _in_subordinate_clause(masked, match.start()):
                priority += 2
            cues.append(_Cue(name, is_org, offset + match.start(), "reported", priority))
            continue
        pre = masked[: match.start()].rstrip()
        if word.endswith("ing") and pre.endswith(",") and word in _SPEECH_VERBS:
            lead = _sentence_subject(masked)
            if lead is not None:
                cues.append(_Cue(lead[0], lead[1], offset + match.start(), "reported", 3))
                continue
        if not pre or pre[-1] in ",;:—–\"”“'" or pre.endswith(_MASK):
            found = _speaker_after(masked, match.end(), allow_prepositions=False)
            if found:
                priority = 0 if pre and pre[-1] in "\"”“'" else 2
                priority += 0 if word in _SPEECH_VERBS else 1
                cues.append(_Cue(found[0], found[1], offset + match.start(), "reported", priority))
    return cues


# --------------------------------------------------------------------------- attribution


@dataclass
class _State:
    registry: _Registry
    recent: list[str] = field(default_factory=list)  # named persons, most recent last

    def mention(self, person: str) -> None:
        if person in self.recent:
            self.recent.remove(person)
        self.recent.append(person)

    def pronoun(self, pronoun: str) -> str | None:
        """The most recent person whose known gender does not contradict ``pronoun``."""
        for person in reversed(self.recent[-6:]):
            surname = _name_tokens(person)[-1:] or [""]
            known = self.registry.gender.get(surname[0])
            if known in (None, pronoun):
                self.registry.gender.setdefault(surname[0], pronoun)
                return person
        return None

    chain_speaker: str | None = None  # speaker a following bare quotation continues
    pending_quote: tuple[int, int] | None = None  # a quotation no one was found for (yet)


def _resolve(cue: _Cue, state: _State) -> str | None:
    if cue.speaker in _PRONOUNS:
        return state.pronoun(cue.speaker)
    if cue.is_org:
        return cue.speaker
    return state.registry.resolve(cue.speaker, cue.position)


def _quoted_words(text: str, start: int, end: int, regions: list[tuple[int, int]]) -> int:
    words = 0
    for q0, q1 in regions:
        if q0 < end and q1 > start:
            words += len(text[max(q0, start) : min(q1, end)].split())
    return words


def _subject_person(text: str, start: int, end: int, state: _State) -> str | None:
    """A person named at the very start of a sentence (a pronoun's likely antecedent)."""
    match = _RUN_AT_START.match(text, start, end)
    if match is None:
        return None
    cleaned = _clean_run(match.group(2), match.group(1) is not None)
    if cleaned is None or cleaned[1]:
        return None
    follower = text[match.end() : match.end() + 2]
    if not follower.startswith((" ", ",")) or _is_possessive(match.group(2).split()[-1]):
        return None
    return state.registry.resolve(cleaned[0], match.start())


def _attribute_paragraph(
    text: str, p_start: int, p_end: int, state: _State, out: list[Attribution]
) -> None:
    regions = _quote_regions(text, p_start, p_end)
    masked_paragraph = _mask(text, p_start, p_end, regions)
    sentences = _rejoin(text, split_sentences(text, p_start, p_end))
    previous: str | None = None  # speaker of the previous group of this paragraph
    for g_start, g_end in _groups(sentences, regions):
        masked = masked_paragraph[g_start - p_start : g_end - p_start]
        subject = _subject_person(text, g_start, g_end, state)
        if subject:
            state.mention(subject)
        cues = _cues(masked, g_start)
        speaker = None
        kind = "reported"
        if cues:
            best = min(cues, key=lambda c: (c.priority, c.position))
            speaker = _resolve(best, state)
            kind = best.kind
            if speaker and not best.is_org:
                state.mention(speaker)
        elif _is_bare_quote(text, masked, g_start) and (state.chain_speaker or previous):
            speaker = state.chain_speaker or previous
            kind = "direct"
        quoted = _quoted_words(text, g_start, g_end, regions)
        previous = speaker
        pending, state.pending_quote = state.pending_quote, None
        if speaker is None:
            state.chain_speaker = None
            if not _CUE_RE.search(masked) and _is_bare_quote(text, masked, g_start):
                state.pending_quote = (g_start, g_end)  # not '"…," a spokeswoman said.'
            continue
        if pending and not quoted and cues and best.position - g_start <= MAX_TAG_LEAD:
            # “…” ¶ Renteria told reporters on a call. -- the tag names the quote's speaker
            out.append(Attribution(pending[0], pending[1], speaker, "direct"))
        if kind == "reported" and (quoted >= 4 or text[g_start] in _QUOTE_ANY + "'"):
            kind = "direct"
        out.append(Attribution(g_start, g_end, speaker, kind))
        announces = text[g_start:g_end].endswith(":")  # "Jones wrote:" + the quote below
        state.chain_speaker = speaker if quoted >= 1 or announces else None


MAX_TAG_LEAD = 60
"""A speech tag after an orphan quotation opens its sentence: ``Renteria told reporters.``"""


def _is_bare_quote(text: str, masked: str, start: int) -> bool:
    """True if the group is a quotation with at most a short lead-in ("Now, ...")."""
    if _MASK not in masked:
        return False
    outside = re.sub(r"[\x00\"“”«»'.,?!;:’‘—–-]", " ", masked).split()
    return len(outside) <= 3


_DASH_SIGNATURE = re.compile(
    r"[”\"][^\S\n]*[―—][^\S\n]*(?P<name>[A-Z][\w’'.-]+(?:[^\S\n]+[A-Z][\w’'.-]*){0,4})"
)


def _dash_signatures(text: str) -> list[Attribution]:
    """Quotations signed with a dash, as in reader round-ups: “…” ― Jane Doe.

    Such quotes often follow each other on one line, so a quote starts where the previous
    signature (or the line) ends.
    """
    found = []
    floor = 0
    for match in _DASH_SIGNATURE.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        start = max(floor, line_start)
        while start < match.start() and text[start].isspace():
            start += 1
        end = match.end()
        if end < len(text) and text[end] == ".":
            end += 1
        floor = end
        name = _clean_run(match.group("name").rstrip("."), False)
        if name and match.start() - start >= 12:
            found.append(Attribution(start, end, name[0], "direct"))
    return found


MAX_PARAGRAPH_CHARS = 4000
"""Longer "paragraphs" (a whole article on one line, tables) are searched in windows of
whole sentences up to this size: some rules are super-linear on long runs of text."""


def _windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` itself, or for a long paragraph, runs of its sentences that each fit
    in :data:`MAX_PARAGRAPH_CHARS` (a single longer sentence is skipped)."""
    if end - start <= MAX_PARAGRAPH_CHARS:
        return [(start, end)]
    windows: list[tuple[int, int]] = []
    window: tuple[int, int] | None = None
    for s_start, s_end in split_sentences(text, start, end):
        if window is not None and s_end - window[0] <= MAX_PARAGRAPH_CHARS:
            window = (window[0], s_end)
            continue
        if window is not None:
            windows.append(window)
        window = (s_start, s_end) if s_end - s_start <= MAX_PARAGRAPH_CHARS else None
    if window is not None:
        windows.append(window)
    return windows


def find_attributions(text: str) -> list[Attribution]:
    """Statements in ``text`` with their speakers, in text order (see module docstring)."""
    state = _State(_Registry(text))
    found: list[Attribution] = []
    for p_start, p_end in paragraphs(text):
        for w_start, w_end in _windows(text, p_start, p_end):
            _attribute_paragraph(text, w_start, w_end, state, found)
    signed = _dash_signatures(text)
    if signed:  # an explicit signature beats whatever the cue rules guessed for that span
        found = [a for a in found if not any(s.start < a.end and a.start < s.end for s in signed)]
    headed = [
        h
        for h in _colon_headlines(text, state.registry, {a.speaker for a in found + signed})
        if not any(a.start < h.end and h.start < a.end for a in found + signed)
    ]
    return sorted(found + signed + headed, key=lambda a: a.start)


_COLON_HEADLINE = re.compile(
    rf"(?m)^[^\S\n]*(?P<name>{_NAME_TOKEN}(?:[^\S\n]+{_NAME_TOKEN}){{0,2}})"
    r"(?:[^\S\n]+to[^\S\n]+[^:\n]{1,40})?:[^\S\n]+(?P<said>\S[^\n]{10,400})$"
)
"""A headline giving a person's words after their name: "Cruz: Trump Would Put Liberals
On Court", "Clinton to Planned Parenthood: Trump will reverse Roe v. Wade."."""


def _colon_headlines(text: str, registry: _Registry, speakers: set[str]) -> list[Attribution]:
    """Lines of the form ``Name: words`` (or ``Name to Audience: words``) whose name is a
    person of the article: a surname the article gives in full elsewhere ("Brooks" of
    "David Brooks"), or a two- or three-word name that :func:`_is_person_elsewhere` shows
    to be a person. "The Latest:", "Poll:", "Editor's Note:", "Key Points:", "New York:"
    or "Updated Tuesday:" are not people."""
    found: list[Attribution] = []
    titled: list[tuple[int, tuple[str, ...]]] | None = None  # read once, if needed
    for match in _COLON_HEADLINE.finditer(text):
        raw = match.group("name")
        if raw.isupper() or _norm(raw.split()[0]) in _STOP | _TITLES | _NOT_SPEAKERS:
            continue
        cleaned = _clean_run(raw, False)
        if cleaned is None or cleaned[1] or _HEADLINE_WORD.search(cleaned[0]):
            continue
        full = registry.resolve(cleaned[0], match.start())
        if len(_name_tokens(full)) < 2 or any(_norm(t) in _NOT_SPEAKERS for t in raw.split()):
            continue
        surname_only = len(_name_tokens(cleaned[0])) == 1  # "Cruz", "Ted Cruz" elsewhere
        if not surname_only:
            titled = _titled_names(text) if titled is None else titled
            if not _is_person_elsewhere(full, speakers, titled, (match.start(), match.end())):
                continue
        found.append(Attribution(match.start("name"), match.end(), full, "reported"))
    return found


def _titled_names(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """``(position, name tokens)`` of the names written after a title ("Senator Ted
    Cruz", "Mr. Cruz", "Mayor Maria Lund")."""
    titled: list[tuple[int, tuple[str, ...]]] = []
    for match in _RUN_RE.finditer(text):
        words = match.group().split()
        tokens = _name_tokens(match.group())
        if tokens and len(words) > len(tokens) and _norm(words[0]) in _TITLES:
            titled.append((match.start(), tokens))
    return titled


def _is_person_elsewhere(
    name: str,
    speakers: set[str],
    titled: Sequence[tuple[int, tuple[str, ...]]],
    line: tuple[int, int],
) -> bool:
    """Whether ``name`` is a person by what the article says of it outside ``line``: the
    speaker of another of its statements, or written after a title (``titled``, from
    :func:`_titled_names`). A capitalised label before a colon is often a place, a date
    or a section ("New York:", "Updated Tuesday:", "Key Points:")."""
    tokens = _name_tokens(name)
    if any(
        set(_name_tokens(s)) >= set(tokens) for s in speakers if _name_tokens(s)[-1:] == tokens[-1:]
    ):
        return True
    return any(
        not line[0] <= position < line[1]
        and found[-1:] == tokens[-1:]
        and set(found) <= set(tokens)
        for position, found in titled
    )


_NOT_SPEAKERS = frozenset(
    """
    latest poll update note editor editors watch video photo photos related read live
    breaking exclusive analysis opinion online source sources update updates fact check
    timeline transcript recap review news daily report question answer continued email
    morning evening briefing newsletter
    """.split()
)


_SUBJECT_AUX = frozenset(
    """
    has have had is was are were will would did does do can could should may might must also
    later then recently previously once never just still again already gave made took sent
    met led saw felt began became won lost ran got held kept left brought sought fought tried
    """.split()
)


def names_subject(text: str, name: str) -> bool:
    """Whether ``text`` has ``name`` (by surname) as the subject of a verb.

    ``Katie Couric has promoted …``, ``Daniels, the former governor, ruled out …`` count;
    ``an interview with Katie Couric`` and ``Couric's show`` do not. Used to prefer, among
    passages that only name a person, the ones where the person does something.
    """
    tokens = _name_tokens(name)
    if not tokens:
        return False
    surname = name.split()[-1].strip("\"“”'’.,")
    if surname not in text:  # the pattern needs the surname as written
        return False
    for match in _subject_pattern(surname).finditer(text):
        before = (match.group(1) or "").strip().lower()
        if before in _PREPOSITIONS or before in {"and", "or", "with", "than"}:
            continue
        verb = match.group(2)
        if verb in _CUE_VERBS or verb in _SUBJECT_AUX or verb.endswith("ed"):
            return True
        if verb.endswith("s") and not verb.endswith("ss") and verb not in _CLAUSE_OPENERS:
            return True
    return False


@lru_cache(maxsize=1024)
def _subject_pattern(surname: str) -> re.Pattern[str]:
    """For :func:`names_subject`: a surname, the words before it and the verb after it."""
    return re.compile(
        rf"(?<![\w’'])(\w+\s+)?(?:[{_UP}][\w’'.-]*\s+){{0,3}}{re.escape(surname)}"
        rf"(?:,[^,]{{1,80}},)?\s+([a-z][\w’'-]*)"
    )


# --------------------------------------------------------------------------- questions


@lru_cache(maxsize=16384)
def name_matches(query: str, speaker: str) -> bool:
    """Whether a name typed in a question refers to ``speaker``, on whole tokens.

    Matches the surname alone, any in-order subset of the speaker's tokens ending with the
    surname ("James Marks", "Spider Marks"), the whole name, or the nickname alone.
    Case, accents, apostrophes, titles and a leading "the" are ignored.
    """
    q = _name_tokens(query)
    s = _name_tokens(speaker)
    if not q or not s:
        return False
    if q == s:
        return True
    if q[-1] != s[-1]:
        return len(q) == 1 and q[0] in _nicknames(speaker)
    position = 0
    for token in q:
        try:
            position = s.index(token, position) + 1
        except ValueError:
            return False
    return True


@lru_cache(maxsize=4096)
def _nicknames(speaker: str) -> frozenset[str]:
    """The quoted nicknames in a speaker's name ("James \"Spider\" Marks"), normalised."""
    return frozenset(_norm(n) for n in re.findall(r"[\"“]([^\"”]+)[\"”]", speaker))


_QUESTION_VERBS = (
    r"say|says|said|tell|told|think|thinks|thought|claim|claimed|argue|argued|mean|"
    r"believe|believed|want|wanted|write|wrote|tweet|tweeted|report|reported|warn|warned|"
    r"predict|predicted|suggest|suggested|add|added|note|noted|respond|responded|react|"
    r"reacted|explain|explained|announce|announced|propose|proposed|ask|asked|feel|felt|"
    r"describe|described|call|called|insist|insisted|admit|admitted|deny|denied|confirm"
)
_Q_NAME = r"((?:[\w’'\-.\"“”]+\s+){0,4}?[\w’'\-.\"“”]+)"
_QUESTION_PATTERNS = [
    re.compile(
        rf"\b(?:did|does|do|has|have|had|would|will|is|was)\s+{_Q_NAME}\s+(?:{_QUESTION_VERBS})\b",
        re.I,
    ),
    re.compile(rf"\baccording\s+to\s+{_Q_NAME}\s*(?:[,?.!]|$)", re.I),
    re.compile(
        rf"\bwhat\s+(?!(?:did|does|do|has|have|had|was|is|would|will)\b)"
        rf"{_Q_NAME}\s+(?:{_QUESTION_VERBS})\b",
        re.I,
    ),
    re.compile(
        rf"\b{_Q_NAME}[’']s\s+(?:view|views|opinion|position|take|comments?|remarks?|"
        r"statements?|words|quotes?|response|reaction|argument|claim|stance)\b",
        re.I,
    ),
]
_QUESTION_WORDS = frozenset("did does do has have had was is would will were are".split())
_NOT_NAMES = frozenset(
    """
    the article story report it he she they you i we this that author writer reporter
    people someone anyone everyone article's experts officials critics anybody somebody
    a an his her their its what who
    """.split()
)


def speakers_in_question(question: str) -> list[str]:
    """Candidate speaker names in a question, titles stripped, in order of appearance."""
    found: list[tuple[int, str]] = []
    for pattern in _QUESTION_PATTERNS:
        for match in pattern.finditer(question):
            name = _clean_question_name(match.group(1))
            if name:
                found.append((match.start(1), name))
    names: list[str] = []
    for _, name in sorted(found):
        if name not in names:
            names.append(name)
    return names


def _clean_question_name(raw: str) -> str | None:
    tokens = raw.split()
    titled = False
    while tokens and (
        _norm(tokens[0]) in _TITLES | _AFFILIATIONS | _STOP | _NOT_NAMES | _QUESTION_WORDS
    ):
        if titled and _norm(tokens[0]) == "of":
            # "Secretary of State John Kerry": the office's object goes, down to two words
            while len(tokens) > 3:
                tokens = tokens[1:]
        titled = _norm(tokens[0]) in _TITLES
        tokens = tokens[1:]
    if not tokens or any(_norm(t) in _NOT_NAMES for t in tokens):
        return None
    return " ".join(tokens)
