"""事件概要 and representative replies: sentences as written, chosen by the documented method."""

from __future__ import annotations

from yuqing.text.summary import MAX_QUOTE, MAX_SENTENCE, representative, summarise

ARTICLE = ("清河县第一中学食堂被指使用变质食材，多名学生出现腹痛。"
           "记者了解到，涉事食堂由外包公司经营。"
           "来源：县新闻网 责任编辑：张三。"
           "天气晴。"
           "县教育局表示，已成立调查组进驻第一中学食堂调查，结果将及时公布。")


def test_summary_picks_sentences_of_the_text_in_their_order():
    found = summarise(ARTICLE, "清河县第一中学食堂被指食材变质")
    assert not found.from_title
    assert found.text == ("清河县第一中学食堂被指使用变质食材，多名学生出现腹痛。"
                          "县教育局表示，已成立调查组进驻第一中学食堂调查，结果将及时公布。")
    sentences = [s + "。" for s in ARTICLE.split("。") if s]
    assert all(part + "。" in sentences for part in found.text.split("。") if part)  # nothing invented


def test_long_texts_give_three_sentences_and_long_sentences_are_clipped():
    long_text = "。".join(f"第{n}段讲清河县老街拆迁补偿的第{n}个问题，涉及多户居民" + "的诉求" * 10 for n in range(8)) + "。"
    assert summarise(long_text, "老街拆迁补偿").text.count("。") == 3
    huge = "清河县" + "很长的句子" * 100 + "。"
    text = summarise(huge + "另一句也讲清河县的事情。", "清河县").text
    assert "……" in text and len(text) <= MAX_SENTENCE + 2 + len("另一句也讲清河县的事情。")


def test_no_text_falls_back_to_the_title():
    for empty in ("", None, "来源：新华社", "好。"):
        found = summarise(empty, "清河县冬季供暖安排")
        assert found.from_title and found.text == "清河县冬季供暖安排"


def test_representative_replies_are_what_many_say_and_skip_empty_ones():
    replies = ["顶", "+1", "补偿款拖了三个月还没到位", "我家补偿款也没到位", "补偿款什么时候到位？",
               "楼主加油", "补偿款拖了三个月还没到位！！"]
    chosen = representative(replies, 3)
    assert "顶" not in chosen and "+1" not in chosen and "楼主加油" not in chosen
    assert len(chosen) == 3 and all(c in replies for c in chosen)
    assert sum(c.startswith("补偿款拖了三个月") for c in chosen) == 1  # one of each wording
    assert len(representative(["很长" * 100], 1)[0]) == MAX_QUOTE + 2
