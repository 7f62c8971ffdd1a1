"""What a request is about: its topic, without the words that ask, and the wishes around it.

"explain multi-head attention like I'm a beginner" → topic "multi-head attention", level
beginner; "which of my notes talk about LoRA?" → "LoRA"; "quiz me on the reward model" →
"reward model". Titles, searches, quiz topics and suggestions all use this one reading, so a
request's own words never show up as if they were the concept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.intent.languages import COMPARED, without_asking

READ = 400
"""Characters of a message read for its topic (a 20,000-character paste has none to give)."""
MAX_WORDS = 25
MAX_CHARS = 160

BEGINNER = re.compile(
    r"\b(?:(?:like|as if|as though) (?:i'?m|i am) (?:a |an )?(?:total |complete |absolute )?"
    r"(?:five|5|six|a kid|kid|child|beginner|newbie|novice|noob|new to (?:this|it|ml|ai)))"
    r"|\beli ?5\b:?|\bexplain like i'?m five\b"
    r"|\bfor (?:a |an |complete |total |absolute )?(?:beginners?|dummies|newbies|novices|noobs"
    r"|kids?|a child|non-experts?)"
    r"|\bin (?:very )?(?:simple|plain|easy|basic|layman'?s?|everyday)"
    r" (?:terms|words|english|language)"
    r"|\b(?:very )?simply\b|\bdumb(?:ed)? (?:it )?down\b|\bat (?:a )?beginner level\b"
    r"|\bbeginner[- ]friendly\b|\b(?:keep it|make it) simple\b",
    re.I,
)
ADVANCED = re.compile(
    r"\bin (?:great |full |more |much )?(?:depth|detail)\b|\bin-depth\b|\bdeep dive (?:into|on)?"
    r"|\b(?:technically|rigorously|mathematically|formally)\b"
    r"|\bfor (?:an? )?(?:experts?|advanced (?:learners?|students?|readers?)|researchers?)"
    r"|\bat (?:an? )?(?:advanced|expert) level\b|\bwith (?:all )?the math\b|\bwith equations\b",
    re.I,
)
ASIDES = re.compile(
    r"\b(?:briefly|in short|in brief|quickly|real quick|in a nutshell|in one (?:sentence|line)"
    r"|step[- ]by[- ]step|with (?:an |some |a few |concrete )?examples?|please|pls|plz|kindly"
    r"|thanks|thank you|thx|for me|again|once more|for my exam|for an exam"
    r"|from (?:your )?general knowledge|in general|outside (?:of )?my notes|anyway"
    r"|in (?:python|code|numpy|pytorch|scikit-learn(?: code)?)|and run it|from scratch"
    r"|on (?:some )?toy data|for a toy example|on a (?:tiny|small) (?:string|example))\b",
    re.I,
)
NOTE_KINDS = ("own", "study", "class", "lecture", "running", "course")
"""Words that say which of the learner's notes ("my running notes"): part of the notes, not
the topic."""
NOTES = re.compile(
    r"\b(?:in|of|from|within|across|inside|according to|among|throughout)"
    r" (?:any of |all of |one of )?"
    rf"(?:my|the|our|your) (?:{'|'.join(f'{w} ' for w in NOTE_KINDS)})?"
    r"(?:notes?|files?|vault|docs|documents"
    r"|notebooks?|material|writing)\b|\bin (?:my|the) (?:notes|files)\b",
    re.I,
)
FILLER = (
    r"(?:hey|hi|hello|ok|okay|so|um+|uh+|well|yo|hmm+|alright|now|and|but|also|tutor|right"
    r"|even|actually|exactly|really|basically|again|quick(?:ly)?|please)"
)
POLITE = (
    r"(?:(?:would|do) you mind|(?:can|could|would|will) (?:you|u)(?: please| pls)?"
    r"|(?:i(?:'d| would) like|i (?:want|need|wanna)|want to|wanna)(?: you)?(?: to)?"
    r"|can we|could we|shall we|let'?s|let me|help me|i'?m trying to|time to"
    r"|go ahead and|quickly|just|be (?:tested|quizzed|drilled)(?: (?:on|about))?)"
)
LEAD = re.compile(
    rf"^(?:{FILLER}[,!.:]?\s+|{POLITE}\s+"
    # quiz
    r"|(?:quiz(?:zing)?|test(?:ing)?|drill(?:ing)?|check(?:ing)?|grill(?:ing)?|examine|challenge"
    r"|exam|review) (?:me|my)\b(?: (?:knowledge|"
    r"understanding|memory|recall))?(?: (?:on|about|over|with|of|in))?\s*"
    r"|(?:give|ask|throw|hit|send|make|write)(?: me| us)?(?: with)?(?: a| an| some| another| a few"
    r"| \d+| more)?(?: quick| short| pop| practice| multiple[- ]choice| review| fill[- ]in[- ]the"
    r"[- ]blank)?(?: quiz(?:zes)?| questions?| problems?| flash ?cards?| tests?| exercises?)"
    r"(?: (?:on|about|for|over))?\s*"
    r"|(?:a |another |one more )?(?:quick |short |pop )?(?:quiz|question|flash ?cards?)(?: time)?"
    r"(?: (?:on|about|for))?[:,!]?\s+"
    r"|(?:practi[cs]e|revise|review|drill|rehearse|study)(?: (?:on|about|with))?\s+"
    r"|(?:some )?(?:practice |hard |easy |quiz |true/false |review )?questions? (?:on|about|for)\s+"
    r"|check (?:on|in on)\s+|ask me (?:something |stuff |questions )?(?:about|on)\s+"
    r"|(?:run|take|walk) me through (?:some )?"
    r"|throw (?:a |some )?(?:hard |easy |quick |tough )?(?:quiz|questions?)(?: at me)?"
    r"(?: (?:on|about|covering))?\s+"
    r"|(?:do|start|run|have) (?:a|an|another|some)? ?(?:quick |short )?(?:quiz(?:zes)?|review"
    r"|session|flash ?cards?|practice|questions?)"
    r"(?: session)?(?: (?:on|about))?\s*"
    r"|(?:see|check|find out) (?:if|whether|how (?:much|well)) i (?:really )?(?:know|remember"
    r"|understand|get)\s+"
    # find in the notes
    r"|(?:where|which|what)(?: (?:of|in))?(?: (?:my|the|your))?(?: (?:notes?|files?|sections?"
    r"|passages?|headings?|lines?|pages?|documents?|parts?))\b(?: (?:of|in) (?:my|the) notes)?"
    r"(?: (?:do|does|did|is|are|has|have|had|can|talk|talks|mention|mentions|cover|covers"
    r"|discuss|discusses|say|says|explain|explains|define|defines|contain|contains|i|have|has"
    r"|had|wrote|write|written|about|on|covering|mentioning|was|were|put))*\b\s*"
    r"|(?:where(?:'?s| is| are| was| were)?|in which (?:file|note|section|notebook))(?: (?:do"
    r"|does|did|can|have|had|i|my|the|notes?|files?|write|wrote|written|mention|mentioned"
    r"|note|take|took|notes|talk|talked|cover|covered|read|say|said|define|defined|explain"
    r"|explained|discuss|discussed|about|on|of))*\s+"
    r"|(?:find|search|look up|lookup|look for|locate|grep|pull up|show|get|open|list|point|cite"
    r"|bring up|dig up)(?: me| us)?(?: to)?(?: for)?(?: (?:the|my|all|every|any|where))*"
    r"(?: (?:exact|specific))?(?: (?:notes?|passages?|sections?|lines?|files?|places?|parts?"
    r"|headings?|pages?|documents?|text|stuff))?(?: (?:on|about|that mention|mentioning"
    r"|where i (?:wrote|write|explain|explained|describe|described|define|defined|mention"
    r"|mentioned|talk|talked|cover|covered)(?: about)?|where|that (?:cover|covers|talk about"
    r"|discuss)|for|of|with))*\s+"
    r"|(?:do|does|did) (?:my|the) notes? (?:cover|mention|say anything about|talk about|have"
    r"|discuss|include)\b(?: anything (?:on|about))?\s*"
    r"|(?:do|did) you know (?:which|what|where) (?:file|note|section)? ?(?:i|my notes)"
    r" (?:put|wrote|write|keep|have|mention)(?: my)?\s+"
    r"|(?:do|did|have|had) i (?:ever )?(?:have|got|write|wrote|written|cover|covered|mention"
    r"|mentioned|take|took|note|noted)(?: (?:any|anything|something|notes?|down))*"
    r"(?: (?:on|about))?\s+"
    r"|(?:is|are) there (?:(?:any(?:thing)?|a|some) )?(?:notes? |passages? )?(?:(?:on|about) )?\s*"
    r"|any(?:thing)?(?: notes?)? (?:on|about)\s+|notes (?:on|about)\s+"
    r"|(?:put |keep |kept )?(?:that |the |my )?(?:bit|part|stuff|section|thing)s? (?:about|on)\s+"
    # run code
    r"|write and run|write (?:a |some )?(?:code|program|script)(?: (?:for|that|to))?"
    r"|(?:run|execute|demo|demonstrate|simulate|code(?: up)?|implement|plot|compute|calculate"
    r"|visuali[sz]e|try)(?: me| us)?(?: (?:a|an|the|some|my))?(?: (?:quick|numpy|python|code"
    r"|small|tiny|little|toy))*(?: (?:demo|simulation"
    r"|example|program|script|code|experiment))?(?: (?:of|for|on|showing|about))?\s+"
    r"|(?:show|let) me(?: see)?(?: (?:a|an|the|some))?(?: (?:demo|code|example))?"
    r"(?: (?:of|for|on|showing))?\s+"
    # explain
    r"|(?:what )?(?:does|do|would) it mean (?:for|when|if|that)\s+"
    r"|(?:a |an )?(?:quick |short |brief )?(?:explanation|overview|summary|intro)"
    r" (?:of|on|about)\s+"
    r"|(?:understand|learn(?: about)?|know(?: about)?|see)\s+"
    r"|(?:if )?(?:we|i|you) (?:look|go|went|dig) (?:at|over|through|into)\s+"
    r"|(?:explain(?:ing)?|describ(?:e|ing)|defin(?:e|ing)|summari[sz](?:e|ing)|clarify(?:ing)?"
    r"|elaborate(?: on)?|break down|unpack"
    r"|walk me through|go over|go through|talk me through|tell me(?: more| a bit| something)?"
    r"(?: (?:about|on))?|teach me(?: (?:about|on))?|help me (?:understand|with|get)"
    r"|remind me(?: (?:about|of|what|how))?|i (?:don'?t|do not|dont|still don'?t|can'?t) "
    r"(?:understand|get|grasp|follow)|i'?m (?:confused|lost|stuck) (?:about|on|with)"
    r"|i keep forgetting(?: (?:what|how|about))?|what'?s the (?:deal|story|idea|point|intuition)"
    r"(?: (?:with|behind|of))?|give me (?:an? )?(?:overview|summary|explanation|intro"
    r"|introduction|rundown|definition)(?: (?:of|on|about))?)\b[:,]?\s*"
    r"|(?:how|why|when|whether|what)(?: exactly)? (?:does|do|did|is|are|can|could|should|would"
    r"|was|were|will|don'?t|doesn'?t|isn'?t|aren'?t|can'?t|won'?t|didn'?t)"
    r"(?: (?:i|you|we|one|it|they))?\s+"
    r"|(?:what|who|whats)(?:'?s| is| are| was| were| exactly is| exactly are)?\b\s+"
    r"|(?:are|is|was|were) (?=(?:the|a|an) )|(?:how|why|where|whether) (?=(?:the|a|an) )"
    r"|(?:are|is|was|were) (?=\S.*\b(?:covered|mentioned|discussed|defined|anywhere"
    r"|in (?:my|the|our|your) (?:\w+ )?(?:notes?|files?|vault)\b))"
    r"|(?:definition|meaning|explanation|overview|summary|intuition|purpose|point|idea"
    r"|basics|fundamentals) (?:of|behind)\s+"
    r"|(?:the|a|an|my|some|about|on|of|into)\s+)",
    re.I,
)
DONE_TO = "applied|used|computed|trained|placed|stored|implemented"
"""What is done to a thing: "X used in Y" asks about X (and "what X is used in Y" about both)."""
TRAIL = re.compile(
    r",?\s+(?:lol|lmao|haha|quick version|short version|if you (?:don'?t|do not) mind"
    r"|one (?:question )?at a time|nothing too (?:hard|difficult)|at all|come in|comes in"
    r"|" + "".join(f"(?<!{w} )" for w in ("my", "the", *NOTE_KINDS)) + "notes"  # "PPO notes"
    r"|stuff|part|bit|section|(?:practice )?questions|quiz|flashcards?|demo"
    rf"|(?:{DONE_TO})\b.*"
    r"|and (?:when|how|why|where|whether|what (?:it|they|is|are|does|do))\b"
    r"(?!.*\b(?:differ|different|difference|compared?|versus|vs)\b).*)$"
    r"|(?:\s+(?:work|works|working|mean|means|do|does|stand for|mentioned|covered|discussed"
    r"|defined|explained|written|appear|appears|again|in action|in (?:python|code)"
    r"|with (?:python|code)|using (?:python|code)|and run it|for me|please|pls|is|are|anywhere"
    r"|exactly|used for|about|is about|in practice|used|again|then|now|for real|really"
    r"|work under the hood|under the hood|all about|actually|(?:is|are) (?:it|they)(?: again)?"
    r"|in|on|under|at|for|of|doing|measure|do for|is that|was that))+$"
    r"|[\s?.!:;,]+$|\s+[–—-]+[\s?.!:;,]*$|^[\s?.!:;,\"'“”]+",
    re.I,
)
COMPARE = re.compile(
    r"^(?:the |what(?:'s| is) the )?differences? between\s+(.+?)\s+and\s+(.+)$"
    r"|^(?:how (?:is|are|does|do) )?(.+?)\s+(?:vs\.?|versus|compared (?:to|with)"
    r"|(?:different|differs?) from)\s+(.+)$"
    r"|^(\S+(?:\s\S+){0,2})\s+or\s+(\S+(?:\s\S+){0,2})$",
    re.I,
)
MARKUP = re.compile(r"\[\[|\]\]|(?<!\w)[*`]+|[*`]+(?!\w)")
"""Wiki-link brackets and emphasis around a term ("[[LoRA]]", "*PPO*"), not "C++"."""
PART_END = re.compile(
    r",\s*(?:and|but|so|when|how|why|which|what)\b.*$|\s+[–—-]\s+.*$|[:;]\s+\S+\s+\S.*$"
    r"|,\s+(?-i:[a-z])\S*\s+\S.*$"
    r"|\s+(?:and\s+)?(?:how|why|in what way)\s+(?:is|are|does|do)\s+(?:it|they|that|this)$",
    re.I,
)
"""A clause around a compared thing ("B, and when would you pick each", "A and how is it",
"B: one recites …", "B, same thing or not"; not a list of names: "Adam, RMSprop and
Adagrad")."""
COMPARE_LEAD = re.compile(r"^(?:compare|contrast)\s+(.+?)\s+(?:and|with|to|vs\.?)\s+(.+)$", re.I)


@dataclass(frozen=True)
class Request:
    """A message read for what it is about."""

    topic: str
    """The concept, as the learner named it ("multi-head attention"); empty when none."""
    level: str = ""
    """A level wished for in this message (beginner or advanced), else empty."""
    parts: tuple[str, ...] = ()
    """The things compared, for "A vs B" and "the difference between A and B"."""


SHORTHAND = {
    "abt": "about", "u": "you", "ur": "your", "pls": "please", "plz": "please", "wat": "what",
    "wht": "what", "teh": "the", "lemme": "let me", "gimme": "give me", "wanna": "want to",
    "tmrw": "tomorrow", "r": "are", "whats": "what is", "hw": "how", "expain": "explain",
}  # fmt: skip
ASIDE_CLAUSE = re.compile(
    r"\b(?:notes?|files?|that|it|them|this|anywhere|remember|forget|forgetting|mix|exam"
    r"|tomorrow|tmrw|they|yes or no)\b",
    re.I,
)
"""Words of a clause that talks about the request, not the topic ("X, is that in my notes?")."""
DIFFERENCE = re.compile(
    r"^(?:so |and |but )?(?:what(?:'s| is| are) the (?:main |key |real )?differences?"
    r"|how (?:do|does) (?:they|it|these|those) (?:differ|compare))[\s?.!]*$",
    re.I,
)
"""A clause that only asks how compared things differ ("A vs B — what's the difference?")."""
ASIDE_WORDS = 8
"""Longer clauses are never asides (a heading like "How It Actually Works › Reward Model")."""


def _spelled(text: str) -> str:
    """Chat shorthand written out and typos of request words corrected ("qiuz me abt")."""
    from tutor.intent.features import corrected

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        return SHORTHAND.get(lower) or (fixed if (fixed := corrected(lower)) != lower else word)

    # Whole words only: the "r" of "régularisation" is not shorthand for "are".
    text = re.sub(r"(?<![^\W\d_])[A-Za-z]+(?![^\W\d_])", fix, text)
    return IS_CONTRACTED.sub(lambda m: f"{m.group(1)} is", text)


IS_CONTRACTED = re.compile(r"\b(how|what|where|who|why|when|which)['’]s\b", re.I)
""""How's the RM trained" is "How is the RM trained"."""


VAGUE = re.compile(
    r"^(?:(?:go|a bit|much|even|way|simpler|deeper|shorter|longer|more|less|again|that|this|it"
    r"|the|last|part|on|one|an?|example|examples|detail|details|another|question|next|please"
    r"|explain|differently|words|other|do|quick|short|little|mini|pop|time|for|round|session"
    r"|some|now|let'?s|us|me|go)\b\s*)+$",
    re.I,
)
"""Follow-ups and leftovers that name no concept ("simpler please", "go deeper on that last
part", "do a quick" of "let's do a quick quiz")."""


def read_request(text: str) -> Request:
    """The topic of a message and the wishes around it."""
    head = _spelled(" ".join(text[:READ].split()))
    level = "beginner" if BEGINNER.search(head) else "advanced" if ADVANCED.search(head) else ""
    rest = ADVANCED.sub(" ", BEGINNER.sub(" ", head))
    rest = " ".join(ASIDES.sub(" ", rest).split())
    clauses = [c for c in re.split(r"\s*[,;:!?]\s+|\s+[-–—]\s+", rest) if c.strip(" ?.!")]
    if len(clauses) > 1:
        kept = [c for c in clauses if _names_something(c)]
        if len(kept) < len(clauses):  # an aside was dropped; otherwise keep the text as typed
            rest = ", ".join(kept or clauses[:1])
    rest = _asked_after(rest)
    if asked_for := ASKED_FOR.match(rest):  # "which loss is used for classification"
        thing, done, tail = asked_for.groups()
        rest = f"{_strip(thing)} {done} {TRAIL.sub('', tail).strip()}"
        topic = " ".join(NOTES.sub(" ", rest).split())
    else:
        topic = _strip(" ".join(NOTES.sub(" ", _strip(rest)).split()))
    parts: tuple[str, ...] = ()
    if match := COMPARE_LEAD.match(topic) or COMPARE.match(topic) or COMPARED.match(topic):
        found = [g for g in match.groups() if g]
        found = [PART_END.sub("", g) for g in found]
        parts = tuple(_strip(p) for p in found if _strip(p))
        if len(parts) == 2:
            topic = f"{parts[0]} vs {parts[1]}"
        else:
            parts = ()
    if VAGUE.match(topic):
        topic = ""
    words = topic.split()
    if len(words) > MAX_WORDS:
        topic = " ".join(words[:MAX_WORDS]) + " …"
    if len(topic) > MAX_CHARS:
        topic = topic[:MAX_CHARS].rsplit(" ", 1)[0] + " …"
    return Request(topic, level, parts)


ASKED_FOR = re.compile(
    r"^(?:what|which)\s+(\S+(?:\s+\S+){0,2}?)\s+(?:is|are|was|were|gets?|got)\s+"
    rf"({DONE_TO})\b(.+)$",
    re.I,
)
"""A question for the thing used in a place ("what data is used to train the reward model"):
that thing and its place are the topic, not the thing alone ("data")."""
ASKING = re.compile(
    r"^(?:how|why|what|when|where|which|who|can|could|does|do|did|is|are|should|would|will)\b",
    re.I,
)
SETTING = re.compile(
    r"^(?:in|for|when|while|during|with|on|after|before|if|once|inside|apart|besides|other than"
    r"|except|unlike|like|as|since|because|so|then)\b",
    re.I,
)
"""A first clause that says where or when the question is asked: the question needs it."""
HEAD_WORDS = 7
"""The most words of a term said before the question about it."""


def _asked_after(text: str) -> str:
    """The term a message names before its question about it: "gradient checkpointing — how
    does it save memory?" asks about gradient checkpointing. A first clause that sets the
    scene ("in the RL step of RLHF, what …") is kept with the question."""
    match = re.match(r"^(.+?)(?:\s*[,:;]\s+|\s+[-–—]\s+)(.+)$", text)
    if not match or "›" in text:  # a heading path pasted whole is its own topic
        return text
    head, question = match.group(1).strip(), match.group(2).strip()
    if not ASKING.match(question) or ASKING.match(head) or SETTING.match(head):
        return text
    if not question.endswith("?") and not question[0].islower():
        return text  # a title's second part ("Intermediate Level: How It Actually Works")
    return head if len(head.split()) <= HEAD_WORDS else text


def topic_of(text: str) -> str:
    """The concept a message is about ("where do my notes talk about PPO?" → "PPO")."""
    return read_request(text).topic


def _names_something(clause: str) -> bool:
    """Whether a clause of a message names the topic, not only the request around it."""
    left = _strip(clause)
    aside = len(left.split()) <= ASIDE_WORDS and ASIDE_CLAUSE.search(left)
    aside = aside or DIFFERENCE.match(clause.strip())
    return bool(left) and _strip(f"{clause} x") != "x" and not aside


def _strip(text: str) -> str:
    """Drop request words from the start and the end until none are left."""
    previous = None
    text = text.strip()
    while text != previous:
        previous = text
        text = without_asking(TRAIL.sub("", LEAD.sub("", text, count=1)).strip())
        text = MEANING.sub(r"\1", text)
    return MARKUP.sub("", text).strip("\"'“”`")


MEANING = re.compile(r"^(?:meant by\s+)?(?!it\b)(.+?)(?:\s+means?\s+(?:for|to|in)\s+.+)?$", re.I)
"""The term asked about in "X mean for a base model" or "meant by X"."""
