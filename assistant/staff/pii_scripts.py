"""Names in scripts without capital letters: Chinese and Arabic.

The other finders go by capitals, census lists and spaces between words; Chinese has none of them and Arabic
has no capitals, so a name there is found by its cue alone: "我叫陈伟", "我的女儿王丽", "أخي عمر". The sealed PII
sets missed exactly these (sets p and q: a name after "my son", "my daughter", "my brother", and "my name is").
"""
from __future__ import annotations

import re

# The hundred commonest Chinese surnames (about 85% of people): after a relation, a name starts with one;
# "我的女儿在你们的项目里" (my daughter is in your programme) has no name.
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
             "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧")
# Characters that end a name rather than belong to it: "陈伟在…", "王丽的…", "小明是…".
_AFTER_NAME = set("的是在了和也都要想有不很就说对跟给让从把被会能还又再吗呢吧啊，。！？、；：")
def _han(character: str) -> bool:
    return "\u4e00" <= character <= "\u9fff"  # the CJK Unified Ideographs block


_NICKNAME_START = "小阿老"  # "小明", "阿强", "老王"
_HAN_CUE = re.compile(
    r"(?:我的名字是|我的名字叫|我名字叫|名字是)(?P<any>)"
    r"|(?:我叫|我名叫|叫做)(?P<called>)"  # also "I called": "我叫救护车" (I called an ambulance) is no name
    r"|(?:我的|我|我们的)(?:儿子|女儿|丈夫|老公|妻子|老婆|太太|先生|哥哥|弟弟|姐姐|妹妹|朋友|男朋友|女朋友|男友|女友"
    r"|妈妈|爸爸|母亲|父亲|孩子|孙子|孙女|侄子|侄女|表哥|表姐|表弟|表妹|室友|同事|辅导员|咨询师|医生)(?P<surname>)")


def chinese_names(text: str) -> list[tuple[int, int]]:
    found = []
    for cue in _HAN_CUE.finditer(text):
        start = cue.end()
        if start >= len(text) or not _han(text[start]):
            continue
        if cue.group("any") is None and text[start] not in _SURNAMES + (_NICKNAME_START if cue.group("called") is not None else ""):
            continue
        end = start + 1
        while end < len(text) and end - start < 3 and _han(text[end]) and text[end] not in _AFTER_NAME:
            end += 1
        if end - start >= 2:
            found.append((start, end))
    return found


_ARABIC_WORD = r"[\u0621-\u064A]+"
# "my brother", "my son", … : the possessive is the word's last letter (أخي, ابني, زوجتي).
_ARABIC_RELATION = re.compile(
    r"(?<![\u0621-\u064A])(?:أخي|اخي|أختي|اختي|ابني|إبني|ابنتي|إبنتي|بنتي|زوجي|زوجتي|صديقي|صديقتي|أمي|امي|أبي|ابي"
    r"|والدي|والدتي|خطيبي|خطيبتي|عمي|عمتي|خالي|خالتي|جدي|جدتي|حفيدي|حفيدتي|مرشدي|مرشدتي)\s+(?P<name>" + _ARABIC_WORD + ")")
# What follows a relation and is no name: particles, pronouns, "was", "his age", "has".
_ARABIC_NOT_A_NAME = frozenset("""في من على عن مع الى إلى هو هي كان كانت لا لم لن قد الذي التي أن إن ان ما منذ عمره عمرها عنده
    عندها لديه لديها يا أيضا ايضا الآن الان دائما فقط بعد قبل كل""".split())
# Arabic verbs in the present tense start with ي or ت ("أخي يحتاج", my brother needs); names that do too.
_NAMES_LIKE_VERBS = frozenset("يوسف يحيى ياسين يونس يزن يزيد يعقوب ياسر يسرا ياسمين تامر توفيق تسنيم تيسير".split())


def arabic_names(text: str) -> list[tuple[int, int]]:
    found = []
    for match in _ARABIC_RELATION.finditer(text):
        word = match.group("name")
        if word in _ARABIC_NOT_A_NAME or word.startswith("ال"):  # "ال" is "the": a noun follows, no name
            continue
        if word.startswith(("ي", "ت")) and len(word) >= 4 and word not in _NAMES_LIKE_VERBS:
            continue
        found.append(match.span("name"))
    return found
