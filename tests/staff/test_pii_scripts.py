"""Names in Chinese and Arabic, found by their cue (assistant/staff/pii_scripts.py)."""
import pytest

from assistant.staff.pii_scripts import arabic_names, chinese_names


@pytest.mark.parametrize("text, names", [
    ("我叫李娜，想问一下周末有没有小组", ["李娜"]),              # "my name is"
    ("您好，我的名字是张伟。", ["张伟"]),
    ("我儿子王小明在戒毒，家属可以来吗", ["王小明"]),            # a relation and a common surname
    ("请联系我的女儿刘芳，她负责安排", ["刘芳"]),
    ("我的女儿在你们的项目里，可以探望吗", []),                  # a relation without a name
    ("我叫了救护车", []),                                         # "我叫" is also "I called"
    ("我叫救护车了", []),
    ("大家好，我叫小明", ["小明"]),
    ("小组几点开始？", []),
])
def test_chinese_names_after_their_cue(text, names):
    assert [text[a:b] for a, b in chinese_names(text)] == names


@pytest.mark.parametrize("text, names", [
    ("زوجتي فاطمة تشرب كثيرا", ["فاطمة"]),                       # my wife Fatima
    ("ابني يوسف في البرنامج", ["يوسف"]),                         # a name that starts like a verb
    ("أخي يحتاج برنامج رعاية", []),                              # my brother needs: a verb
    ("ابني في المستشفى", []),                                     # my son is in hospital
    ("أمي الحبيبة تسأل عن المواعيد", []),                         # "the": a noun follows
])
def test_arabic_names_after_a_relation(text, names):
    assert [text[a:b] for a, b in arabic_names(text)] == names
