"""The words that ask, in languages other than English, taken off a request's topic.

Chinese and Japanese write them against the concept with no space between ("什么是正则化？",
"勾配消失とは何ですか"), so they are cut as strings from the start and the end; German, French
and Spanish ones are the few phrasings learners type most ("was ist …", "qu'est-ce que …").
"""

from __future__ import annotations

import re

LEAD = re.compile(
    r"^(?:"
    # Chinese: please, can you, explain, tell me, what is, why, how
    r"请问|请你|请|麻烦你?|能不能|能否|可不可以|可以|你能|帮我|给我|我想(?:知道|了解|学习?)?"
    r"|(?:简单|详细|具体)?地?(?:解释|说明|介绍|讲解|讲讲|讲|说说|描述|总结)(?:一下)?"
    r"|告诉我|什么(?:是|叫做?)|何为|何谓|为什么(?:会|要)?|为何|如何|怎么(?:样)?|怎样"
    # Chinese: quiz me, where in my notes, show in Python
    r"|(?:关于)?考考我|关于|测(?:验|试)(?:一下)?我?(?:对)?|出(?:几|一)?道?(?:关于)?"
    r"|我的笔记(?:里|中)?|笔记(?:里|中)(?:有没有)?|(?:哪里|在哪|哪儿)(?:提到|讲到|写到|说到)了?"
    r"|哪(?:个|篇)笔记(?:讲|提到|写)了?|在(?:我的)?笔记(?:里|中)?(?:找|搜)(?:一下)?|找一下"
    r"|用\s*python\s*(?:演示|运行|实现)(?:一下)?|运行一个"
    # Japanese: why; Korean: please explain
    r"|なぜ|どうして|설명해\s*(?:주세요|줘)\s*"
    # German, French, Spanish
    r"|(?:was (?:ist|sind|bedeutet|heißt|heisst|macht)|wie funktionier(?:t|en)"
    r"|erklär(?:e|en sie)?(?: mir)?|was versteht man unter"
    r"|qu'est-ce (?:que|qu'|qu’)|c'est quoi|explique(?:[- ]moi)?"
    r"|[¿¡]?qu[ée] (?:es|son)|expl[ií]ca(?:me)?)(?:\s+|$)"
    r"(?:(?:der|die|das|ein|eine|den|le|la|les|un|une|el|los|las)\s+|l['’])?"
    r"|[¿¡]"
    r")+",
    re.I,
)
TRAIL = re.compile(
    r"(?:"
    # Chinese: is what, what does it mean, how does it work, what is it for
    r"(?:是|指的是|是指)?(?:什么|啥)(?:意思|东西)?|的?(?:意思|定义|含义|原理)|是怎么回事"
    r"|是(?:如何|怎么|怎样)(?:工作|运作|实现)的?|(?:如何|怎么|怎样)(?:工作|运作)"
    r"|有(?:什么|啥)(?:用|作用)|一下|吗|呢|啊|吧|呀"
    # Japanese: what is, tell me about, explain, its meaning
    r"|とは(?:どういう(?:意味|こと))?(?:何|なん|なに)?(?:です|でしょう)?か?"
    r"|って(?:何|なに|なん)?(?:です|でしょう)?か?"
    r"|(?:について|を|に関して)?(?:詳しく|簡単に)?(?:教えて|説明して|解説して)"
    r"(?:ください|下さい|くれ|ほしい)?|について|に関して"
    r"|(?:は|が)(?:何|なん|なに)(?:です|でしょう)?か?|の(?:意味|仕組み)(?:は)?"
    r"|(?:のです|んです|です|ます)か?"
    r"|(?:は|が)?ノートのどこに(?:書いて)?(?:ある|あります)?か?|について書いたノートはどれ"
    r"|(?:について|の)?(?:クイズ|問題)を出して(?:ください)?|(?:の|を)?(?:コード|python)"
    r"(?:を|で)?実行して(?:ください)?"
    # Chinese: where in my notes, its questions, an example, my understanding of it
    r"|(?:在我的笔记|在笔记)?(?:哪里|在哪|哪儿)|的(?:题目?|例子|理解)|考考我"
    # Korean: what is it
    r"|(?:이란|란|은|는|이|가)?\s*(?:뭐예요|뭐야|뭔가요|무엇인가요|무엇입니까)|이란"
    r"|[\s?？。．！!：:，,、]"
    r")+$",
    re.I,
)

COMPARED = re.compile(
    r"^(.+?)\s*(?:和|与|跟|同|及|と)\s*(.+?)\s*(?:之间)?(?:的|の)?"
    r"(?:区别|差别|差异|异同|不同|違い|差異|相違)(?:点|は)?$"
)
"""A comparison in Chinese or Japanese ("过拟合和欠拟合的区别", "過学習と未学習の違い")."""


def without_asking(text: str) -> str:
    """The text without the words that ask around its topic in these languages."""
    return TRAIL.sub("", LEAD.sub("", text, count=1)).strip()
