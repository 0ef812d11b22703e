"""Benchmark same-story grouping (yuqing.text.similar) against a naive pairwise baseline.

    python bench/similar_bench.py                 # 100,000 posts, about a minute and a half
    python bench/similar_bench.py --posts 20000 --naive 1000

Setup: POSTS generated Chinese posts over 180 days (seeded, so every run sees the same):
county news (meetings, inspections, accidents, projects, notices …) written from shared
templates and a pool of stock official phrases, forum complaints, Weibo-length posts and
title-only WeChat items, all about 20 counties and their towns, roads and officials — so
distinct stories on one place and day share many characters. 5% of the posts are copies of
an earlier news story, published 0-72 hours later: verbatim with 「来源」「责任编辑」
boilerplate, wrapped titles (「转载｜」「【…】」「_站名」), trimmed texts, retitled copies
(same body, new title, sometimes with 「原标题：」; some also trimmed), and forum threads
quoting the headline. The header line says how many pairs of *different* stories share a
cleaned title of 10+ characters within a week: the generator's own collisions, which every
title-based method must count against itself.

Every figure is taken in a fresh subprocess that loads the posts from a pickle: wall and
CPU time of the grouping alone (StoryIndex.add_many: fingerprinting + candidate lookup +
verification), the child's peak RSS (ru_maxrss, which includes the loaded posts; "+MiB" is
the part above them), and pairwise precision/recall against the generator's story ids:

    precision = same-group pairs that are the same story / same-group pairs
    recall    = same-story pairs put in one group / same-story pairs

The naive baseline compares every pair of posts within the 7-day window (exact Jaccard of
title-bigram and text-4-gram sets, Python sets, >= 0.6 joins) on the first NAIVE posts
only, and its time is extrapolated to POSTS as O(n²); StoryIndex runs on that same slice
too, so the two rows compare. The last line gives the machine's load and the CPU time of a
fixed Python loop, since the figures move with both on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TZ = timezone(timedelta(hours=8))
START = datetime(2024, 5, 1, tzinfo=TZ)

# ---------------------------------------------------------------------- vocabulary

COUNTIES = ["清河县", "临西县", "威县", "南宫市", "新河县", "巨鹿县", "广宗县", "平乡县", "隆尧县", "任泽区", "宁晋县", "柏乡县", "内丘县", "临城县", "沙河市", "信都区", "襄都区", "南和区", "故城县", "枣强县"]
TOWN_ROOTS = ["葛仙庄", "连庄", "王官庄", "坝营", "谢炉", "油坊", "黄金庄", "东高庄", "城关", "马屯", "王什", "张庄", "大营", "新兴", "丰台", "河头", "白塔", "北关", "南关", "东关", "西关", "李家庄", "高庄", "孙庄", "刘庄", "尚庄", "田庄", "郭村", "苏村", "杨庄"]
ROADS = ["人民路", "建设路", "解放街", "新华路", "滨河路", "育才路", "振兴大街", "长江路", "黄河路", "幸福街", "中华大街", "迎宾路", "胜利路", "团结路", "和平街", "光明路", "朝阳路", "文化路", "车站路", "工业大道", "开发区大道", "兴业路", "富强街", "民主路", "青年路", "健康路", "府前街", "顺河路", "东环路", "西环路", "南环路", "北环路", "永安大街", "长征路"]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
GIVEN = list("建国志强伟明秀英丽华军平海涛刚勇杰磊敏静燕红霞玉兰春梅晓东文斌宏伟立新红旗卫东振华国庆德胜永福家豪子轩浩然雨涵思远")
POSTS_OFFICIAL = ["县委书记", "县长", "县委副书记", "常务副县长", "副县长", "县人大常委会主任", "县政协主席", "县委常委", "县纪委书记", "组织部部长", "宣传部部长", "政法委书记", "镇党委书记", "镇长"]
TOPICS = ["防汛", "安全生产", "秋粮收购", "夏粮收购", "人居环境整治", "森林防火", "招商引资", "乡村振兴", "河长制", "文明城市创建", "疫情防控", "耕地保护", "信访稳定", "优化营商环境", "safe", "燃气安全", "消防安全", "食品安全", "校园安全", "道路交通安全", "禁毒", "民生实事", "农村饮水安全", "秸秆禁烧", "大气污染防治", "水污染防治", "重点项目建设", "产业发展", "就业创业", "养老服务", "医疗保障", "义务教育", "高标准农田建设", "设施农业", "电商直播", "文化旅游", "党风廉政建设", "干部作风建设", "基层治理", "网格化管理", "扫黑除恶", "反诈宣传", "根治欠薪", "市场监管", "自建房安全", "城乡环卫一体化", "冬季供暖", "老旧小区改造", "棚户区改造"]
TOPICS = [t for t in TOPICS if t != "safe"]
MEETINGS = ["工作会议", "推进会", "部署会", "调度会", "专题会议", "座谈会", "动员大会", "现场会", "观摩会", "培训会"]
MEETING_VERBS = ("召开", "举行", "组织召开", "召开了")
COMPANIES = ["宏达", "鑫源", "华通", "恒信", "瑞丰", "金鼎", "隆盛", "天润", "福源", "广汇", "compound", "德顺", "永安", "和谐", "康泰"]
COMPANIES = [c for c in COMPANIES if c != "compound"]
INDUSTRIES = ["轴承", "羊绒", "汽车配件", "电动车", "纺织", "食品加工", "农机", "建材", "新能源", "光伏", "智能装备", "生物医药"]
VENUES = ["第一中学", "第二中学", "第三中学", "实验小学", "实验中学", "第一小学", "第二小学", "人民医院", "中医院", "妇幼保健院", "体育馆", "图书馆", "文化中心", "城北公园", "城南公园", "汽车站", "火车站", "职教中心", "老年大学", "青少年活动中心", "博物馆", "科技馆", "便民服务中心", "政务服务大厅", "新时代文明实践中心"]
ACCIDENTS = ("交通事故", "火灾", "燃气泄漏", "房屋坍塌", "车辆侧翻", "溺水事件", "触电事故", "厂房起火")
COMPLAINTS = (
    "停水", "停电", "暖气不热", "垃圾无人清运", "噪音扰民", "污水外溢", "路灯不亮", "道路坑洼",
    "物业乱收费", "拖欠工资", "违建占道", "油烟扰民", "排污刺鼻", "学校乱收费", "开发商延期交房",
)
HOUSING = ["阳光花园", "御景园", "锦绣华庭", "幸福家园", "金色港湾", "凤凰城", "书香苑", "翰林院", "中央公园", "明珠小区", "世纪名城", "香榭丽舍", "碧桂园", "恒大城", "万达广场", "盛世华庭", "龙湖湾", "怡景苑", "水岸花城", "紫金苑", "康城", "东方名苑", "丽景嘉园", "银河小区", "建业小区", "供电小区", "教师公寓", "棉纺厂家属院", "粮食局宿舍", "锦江花园", "滨河湾", "翡翠城", "天鹅湖", "学府名邸", "新城国际", "西湖春天", "御龙湾", "金域蓝湾", "上城名著", "山水华府"]

STOCK = [  # stock official phrases shared by many stories (the hard part for text matching)
    "会议强调，要提高政治站位，切实增强做好{t}工作的责任感和紧迫感",
    "要坚持以人民为中心的发展思想，把{t}工作抓紧抓实抓细",
    "各乡镇、各部门要压紧压实责任，确保各项措施落到实处",
    "要加强统筹协调，形成工作合力，推动{t}工作取得实效",
    "要坚持问题导向，深入排查风险隐患，做到早发现、早报告、早处置",
    "要严格落实值班值守制度，确保信息畅通、反应迅速",
    "会议指出，做好{t}工作意义重大，事关人民群众切身利益",
    "要强化督导检查，对工作不力、推诿扯皮的严肃追责问责",
    "要加大宣传力度，营造全社会共同参与的良好氛围",
    "会议要求，要进一步细化工作方案，明确时间节点和责任分工",
    "与会人员纷纷表示，将认真贯彻落实会议精神，扎实做好各项工作",
    "县直有关部门主要负责同志，各乡镇党委书记、乡镇长参加会议",
    "会上，相关部门负责同志汇报了近期工作进展情况",
    "要以钉钉子精神抓好各项任务落实，确保取得扎实成效",
    "要把握关键环节，补齐短板弱项，推动工作提档升级",
    "要坚持底线思维，统筹发展和安全，牢牢守住不发生重大风险的底线",
    "要切实转变工作作风，深入一线解决实际问题",
    "要建立健全长效机制，推动{t}工作常态化、制度化",
    "据了解，该项工作将持续开展至年底",
    "下一步，{c}将继续加大工作力度，不断巩固提升工作成效",
    "此次活动进一步增强了群众的获得感、幸福感、安全感",
    "活动现场气氛热烈，群众纷纷点赞",
    "相关工作正在有序推进中",
    "目前，各项工作正在按计划有序开展",
]
FORUM_OPENERS = (
    "有没有人知道", "说一下我们这里的情况，", "实在忍不了了，", "求助各位网友，", "大家评评理，",
    "发个帖子问一下，", "住在附近的朋友都知道，", "不吐不快，", "求扩散！", "真心想问问有关部门，",
)
FORUM_TAILS = (
    "希望有关部门能管一管。", "到底有没有人管？", "打了好几次热线都没用。", "大家怎么看？",
    "已经好几天了，老人孩子都受不了。", "有知道内情的吗？", "求各位帮忙顶上去！", "再这样下去真没法住了。",
)
COMMENTS = (
    "这个事情必须重视起来", "终于有人管了", "希望说到做到", "我们村也是这样", "支持！", "点赞",
    "看看后续怎么处理", "说得好听，落实才是关键", "这个政策不错", "早该这样了", "关注一下",
    "前几天路过还看到了", "有没有知道详细情况的", "希望不要走过场", "身边的事，顶一下",
)
WRAP_HEAD = ("转载｜", "【转载】", "[转帖]", "转：", "【{s}】", "{s}｜", "{s}丨", "热点｜", "关注｜", "")
WRAP_TAIL = ("_{s}", " - {s}", "｜{s}", "（转载）", "（来源：{s}）", "")
SITES = ["清河发布", "邢台日报", "河北新闻网", "长城网", "燕赵都市报", "邢台新闻网", "冀时客户端", "今日清河", "县融媒体中心", "牛城晚报"]
EDITORS = [a + b for a in SURNAMES[:30] for b in ("丽", "伟", "静", "涛", "敏", "磊")]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


@dataclass
class Post:
    id: int
    title: str
    text: str
    at: datetime
    story: int
    kind: str  # news | forum | weibo | wechat | reprint:<how>


def _news(rng: random.Random, day: datetime) -> tuple[str, list[str], list[str]]:
    """(title, alternative titles for retitling, body sentences) of one county news story."""
    county = rng.choice(COUNTIES)
    short = county[:-1]
    town = rng.choice(TOWN_ROOTS) + rng.choice("镇乡")
    topic = rng.choice(TOPICS)
    person = _name(rng)
    post = rng.choice(POSTS_OFFICIAL)
    date = f"{day.month}月{day.day}日"
    when = date + rng.choice(("上午", "下午", "", "晚"))
    kind = rng.randrange(8)
    stock = rng.sample(STOCK, rng.randint(2, 5))
    if kind == 0:
        meeting = rng.choice(MEETINGS)
        verb = rng.choice(MEETING_VERBS)
        year = rng.choice(("", "2024年", "全县", "今年"))
        title = f"{county}{verb}{year}{topic}{meeting}"
        alts = [f"{county}部署{topic}工作", f"{person}主持召开{topic}{meeting}",
                f"{short}：全力以赴抓好{topic}工作"]
        lead = f"{when}，{county}{verb}{topic}{meeting}，{post}{person}出席会议并讲话。"
        body = [lead, f"会议传达学习了上级关于{topic}工作的有关精神，通报了前一阶段全县{topic}工作情况"]
    elif kind == 1:
        title = f"{person}到{town}调研{topic}工作"
        alts = [f"{county}{post}{person}调研{topic}工作", f"{person}在{town}调研时强调 扎实推进{topic}"]
        lead = f"{when}，{post}{person}深入{county}{town}调研{topic}工作。"
        body = [lead, f"{person}先后来到{town}{rng.choice(TOWN_ROOTS)}村、{rng.choice(COMPANIES)}{rng.choice(INDUSTRIES)}有限公司等地，实地察看{topic}工作开展情况",
                f"{person}指出，{town}{topic}工作取得了阶段性成效，但也存在一些短板"]
    elif kind == 2:
        acc = rng.choice(ACCIDENTS)
        road = rng.choice(ROADS)
        hurt = rng.randint(1, 9)
        title = f"{county}{road}发生一起{acc} {hurt}人受伤"
        alts = [f"突发！{short}{road}{acc}致{hurt}人受伤", f"{county}{road}{acc}：伤者已送医救治"]
        lead = f"{when}{rng.randint(6, 22)}时许，{county}{road}与{rng.choice(ROADS)}交叉口附近发生一起{acc}，造成{hurt}人受伤。"
        body = [lead, f"事故发生后，{county}应急管理局、公安局、消防救援大队等部门第一时间赶赴现场处置",
                f"伤者已被送往{rng.choice(VENUES[3:5])}救治，{rng.choice(('均无生命危险', '其中1人伤势较重', '目前生命体征平稳'))}",
                "事故原因正在进一步调查中"]
    elif kind == 3:
        company = rng.choice(COMPANIES) + rng.choice(INDUSTRIES)
        money = rng.randint(2, 80)
        title = f"{county}{company}项目{rng.choice(('开工', '签约', '投产', '竣工'))} 总投资{money}亿元"
        alts = [f"总投资{money}亿元！{company}项目落户{short}", f"{county}又一重点项目{rng.choice(('开工', '签约'))}"]
        lead = f"{when}，{county}{company}项目举行{rng.choice(('开工仪式', '签约仪式', '投产仪式'))}，{post}{person}出席并宣布项目{rng.choice(('开工', '启动'))}。"
        body = [lead, f"该项目总投资{money}亿元，占地{rng.randint(50, 900)}亩，建成后预计年产值{rng.randint(3, 60)}亿元，可带动就业{rng.randint(200, 3000)}人",
                f"近年来，{county}坚持把招商引资作为经济工作的生命线，{rng.choice(INDUSTRIES)}产业集群不断壮大"]
    elif kind == 4:
        title = rng.choice((
            f"{county}开展{topic}专项检查行动", f"{county}{town}{topic}专项检查发现{rng.randint(3, 90)}处隐患",
            f"{county}{rng.choice(BUREAUS)}{date}开展{topic}检查", f"{county}{rng.choice(BUREAUS)}开展{topic}“回头看”",
            f"{short}：{rng.randint(3, 30)}个督导组深入{town}检查{topic}", f"{county}对{town}{topic}工作进行暗访督查",
        ))
        alts = [f"{short}：{topic}专项检查全面铺开", f"{county}多部门联合开展{topic}检查"]
        n = rng.randint(20, 400)
        lead = f"为切实做好{topic}工作，{date}起，{county}组织{rng.randint(3, 12)}个督导组开展{topic}专项检查。"
        body = [lead, f"截至目前，共检查企业和场所{n}家，发现问题隐患{rng.randint(5, n)}处，已整改{rng.randint(1, 5)}处",
                f"检查组深入{town}等地，采取四不两直方式，重点检查{topic}责任落实情况"]
    elif kind == 5:
        venue = rng.choice(VENUES)
        title = rng.choice((f"{county}{venue}举办{topic}主题活动", f"{county}{topic}宣传走进{venue}",
                            f"{venue}{rng.randint(100, 900)}名师生参加{topic}宣传活动"))
        alts = [f"{short}{venue}：{topic}宣传进校园", f"{venue}开展{topic}宣传活动"]
        lead = f"{when}，{county}{venue}举办以{topic}为主题的宣传教育活动，{rng.randint(100, 2000)}余人参加。"
        body = [lead, f"活动通过展板展示、现场讲解、发放宣传资料等形式，向群众普及{topic}知识",
                f"共发放宣传资料{rng.randint(300, 5000)}份，解答群众咨询{rng.randint(30, 600)}人次"]
    elif kind == 6:
        office = rng.choice(("人民政府办公室", "应急管理局", "教育局", "卫生健康局", "住房和城乡建设局", "市场监督管理局"))
        title = rng.choice((
            f"{county}{office}关于做好{topic}工作的通知", f"{county}{office}关于开展{topic}工作的通知",
            f"关于做好{date}以后{topic}工作的通知（{county}{office}）", f"{county}{office}关于{topic}有关事项的公告",
            f"{county}{office}关于印发{topic}工作方案的通知", f"{short}{office}：{date}起开展{topic}集中整治",
        ))
        alts = [f"{short}发布{topic}工作通知", f"重要通知！{county}部署{topic}工作"]
        lead = f"各乡镇人民政府，县直有关单位：为切实做好{date}以后的{topic}工作，现将有关事项通知如下。"
        body = [lead, f"一、提高思想认识。各单位要充分认识做好{topic}工作的重要性",
                "二、落实工作责任。主要负责同志是第一责任人，分管负责同志是直接责任人",
                f"三、加强督导检查。{county}将适时组织督导，结果纳入年度考核。联系电话：0319-{rng.randint(1000000, 9999999)}"]
    else:
        n = rng.randint(2, 40)
        title = f"{county}表彰{n}名{topic}先进个人"
        alts = [f"{county}{topic}工作表彰大会召开", f"{n}人获表彰！{short}{topic}先进个人名单公布"]
        lead = f"{when}，{county}召开{topic}工作表彰大会，对{n}名先进个人和{rng.randint(2, 20)}个先进集体进行表彰。"
        title = rng.choice((title, f"{county}{rng.randint(2, 40)}个集体{n}名个人获{topic}表彰"))
        body = [lead, f"{post}{person}为受表彰代表颁奖，{', '.join(_name(rng) for _ in range(3))}等同志受到表彰"]
    body += _details(rng, county, town, topic)
    body += [s.format(t=topic, c=county) for s in stock]
    body = body[:1] + rng.sample(body[1:], len(body) - 1)  # the lead stays first
    if rng.random() < 0.5:
        body.append(f"（{county}融媒体中心记者 {_name(rng)} 通讯员 {_name(rng)}）")
    return title, alts, body


def _join(sentences: list[str]) -> str:
    return "".join(s if s.endswith(("。", "）")) else s + "。" for s in sentences)


DETAILS = (
    "{town}{village}村党支部书记{name}介绍，今年以来村里共投入资金{n}万元，完成{thing}{k}处",
    "在{town}{village}村，{name}正带领{k}名村民{doing}，现场一片繁忙",
    "截至{month}月底，{county}已累计完成{thing}{n}处，完成率{pct}%，位居全市第{rank}",
    "{county}{bureau}负责人{name}表示，将把{topic}与{other}结合起来，建立问题清单{k}项",
    "{town}群众{name}说：“{quote}”",
    "据统计，{county}共有{n}户{people}受益，人均增收{money}元",
    "{county}{bureau}抽调{k}名业务骨干组成{k2}个工作专班，分包{town}等{k3}个乡镇",
    "今年{county}计划投资{money}万元，实施{thing}项目{k}个，目前已开工{k2}个",
    "{name}要求{bureau}在{month}月{day}日前完成{thing}排查，形成台账报县委办",
    "{town}创新推行“{slogan}”工作法，{people}满意度提升到{pct}%",
    "针对{village}村{problem}问题，{county}{bureau}已下发整改通知书{k}份，立案查处{k2}起",
    "{county}第{rank}届{other}暨{topic}推介会吸引{n}家企业参加，现场签约{k}个项目",
)
THINGS = ["危房改造", "道路硬化", "坑塘治理", "厕所改造", "管网铺设", "路灯安装", "隐患整改", "河道清淤", "绿化提升", "校舍加固"]
DOINGS = ["清理沟渠", "修补道路", "抢收小麦", "排查隐患", "栽种树苗", "清运垃圾", "加固堤坝", "安装监控"]
BUREAUS = ["应急管理局", "农业农村局", "自然资源局", "生态环境分局", "住建局", "水务局", "卫健局", "教育局", "市场监管局", "公安局", "民政局", "人社局"]
PEOPLE = ["困难群众", "脱贫户", "农户", "商户", "企业职工", "在校学生", "老年人", "外出务工人员"]
QUOTES = (
    "现在路修好了，出门方便多了", "家门口就能办事，省心", "这个政策真是实打实的", "没想到问题这么快就解决了",
    "希望以后多搞这样的活动", "以前一下雨就积水，现在好多了", "干部上门服务，我们很满意",
)
SLOGANS = ["四议两公开", "街乡吹哨部门报到", "一网通办", "最多跑一次", "积分超市", "红白理事会", "网格员包片"]
PROBLEMS = ["私搭乱建", "垃圾乱倒", "秸秆焚烧", "非法采砂", "占道经营", "违规排污", "私拉电线"]


def _details(rng: random.Random, county: str, town: str, topic: str) -> list[str]:
    out = []
    for template in rng.sample(DETAILS, rng.randint(2, 6)):
        out.append(template.format(
            county=county, town=town, topic=topic, village=rng.choice(TOWN_ROOTS), name=_name(rng),
            n=rng.randint(12, 2000), k=rng.randint(2, 60), k2=rng.randint(2, 20), k3=rng.randint(2, 9),
            thing=rng.choice(THINGS), doing=rng.choice(DOINGS), month=rng.randint(1, 12),
            day=rng.randint(1, 28), pct=rng.randint(60, 99), rank=rng.randint(1, 9),
            bureau=rng.choice(BUREAUS), other=rng.choice(TOPICS), quote=rng.choice(QUOTES),
            people=rng.choice(PEOPLE), money=rng.randint(300, 90000), slogan=rng.choice(SLOGANS),
            problem=rng.choice(PROBLEMS),
        ))
    return out


def _forum(rng: random.Random) -> tuple[str, str]:
    county = rng.choice(COUNTIES)
    place = rng.choice(HOUSING) + rng.choice(("", f"{rng.randint(1, 30)}号楼", f"{rng.randint(1, 9)}期",
                                                f"{rng.choice('东西南北')}门"))
    if rng.random() < 0.3:
        place = rng.choice(TOWN_ROOTS) + rng.choice("镇乡") + rng.choice(TOWN_ROOTS) + "村"
    what = rng.choice(COMPLAINTS)
    days = rng.randint(2, 30)
    who = rng.choice(("", "老人", "孩子", "业主", "村民", "租户", "商户"))
    title = rng.choice((
        f"{county}{place}{what}{days}天了，有人管吗？", f"{place}{what}问题什么时候能解决？{who}等不起",
        f"反映{county}{place}{what}的问题（第{rng.randint(2, 9)}次）", f"{place}又{what}了！{who}怎么办",
        f"{rng.choice(('强烈', '实名', '再次'))}投诉{place}{what}", f"{county}{place}{what}，{rng.choice(FORUM_TAILS)}",
        f"{who or '住户'}求助：{place}{what}{days}天",
    ))
    text = (rng.choice(FORUM_OPENERS) + f"{county}{place}{what}已经{days}天了，"
            + "，".join(rng.sample(COMMENTS, 2)) + "。" + rng.choice(FORUM_TAILS))
    return title, text


def _weibo(rng: random.Random, day: datetime) -> tuple[str, str]:
    county = rng.choice(COUNTIES)
    topic = rng.choice(TOPICS)
    text = rng.choice((
        f"今天在{county}{rng.choice(VENUES)}看到{topic}宣传，{rng.choice(COMMENTS)}。",
        f"{county}的{topic}搞得{rng.choice(('不错', '一般', '挺认真', '走形式'))}，{rng.choice(COMMENTS)}！",
        f"#{county}# {day.month}月{day.day}日 {rng.choice(ROADS)}{rng.choice(COMPLAINTS)}，{rng.choice(FORUM_TAILS)}",
        f"转发理由：{rng.choice(COMMENTS)}。{county}{topic}相关消息，{rng.choice(COMMENTS)}",
    ))
    return text[:30], text


def _reprint(rng: random.Random, title: str, alts: list[str], body: list[str]) -> tuple[str, str, str]:
    site = rng.choice(SITES)
    how = rng.choice(("verbatim", "wrapped", "trimmed", "retitled", "retitled", "forum"))
    head = rng.choice(WRAP_HEAD).format(s=site)
    tail = rng.choice(WRAP_TAIL).format(s=site)
    text = _join(body)
    boiler_top = rng.choice((f"来源：{site}\n", f"转自：{site}\n", f"【{site}讯】", ""))
    boiler_end = rng.choice((f"\n责任编辑：{rng.choice(EDITORS)}", f"\n编辑：{rng.choice(EDITORS)} 审核：{rng.choice(EDITORS)}",
                             "\n（来源：" + site + "）", "\n点击阅读原文", ""))
    if how == "verbatim":
        return title, boiler_top + text + boiler_end, how
    if how == "wrapped":
        return head + title + tail, boiler_top + text + boiler_end, how
    if how == "trimmed":
        keep = max(1, int(len(body) * rng.uniform(0.4, 0.8)))
        return head + title, boiler_top + _join(body[:keep]) + boiler_end, how
    if how == "retitled":
        new = rng.choice(alts)
        original = f"原标题：{title}\n" if rng.random() < 0.3 else ""
        if rng.random() < 0.3:  # retitled and trimmed
            keep = max(2, int(len(body) * rng.uniform(0.5, 0.9)))
            text = _join(body[:keep])
        return new, original + boiler_top + text + boiler_end, how
    # a forum thread about the story: quotes the headline in its title or text
    comment = "，".join(rng.sample(COMMENTS, 2))
    if rng.random() < 0.5:
        t = rng.choice((f"【转】{title}", f"{title}，大家怎么看？", f"求证：{title}", f"{title}（转自{site}）"))
        return t, comment + "。" + (body[0] if rng.random() < 0.5 else ""), how
    return rng.choice(("关注一下这个事", "身边的新闻", "看到一条新闻")), f"看到新闻《{title}》，{comment}。", how


def generate(n: int, seed: int = 7, days: int = 180, reprint_share: float = 0.05) -> list[Post]:
    rng = random.Random(seed)
    span = days * 86400.0
    originals: list[tuple[float, int, str, list[str], list[str]]] = []  # for reprints
    posts: list[Post] = []
    times = sorted(rng.uniform(0, span) for _ in range(n))
    for i, offset in enumerate(times):
        at = START + timedelta(seconds=offset)
        if originals and rng.random() < reprint_share:
            # a copy of a news story from the last 3 days, published now
            recent = [o for o in originals[-2000:] if offset - o[0] <= 3 * 86400]
            if recent:
                _, story, title, alts, body = rng.choice(recent)
                t, x, how = _reprint(rng, title, alts, body)
                posts.append(Post(i, t, x, at, story, "reprint:" + how))
                continue
        roll = rng.random()
        if roll < 0.5:
            title, alts, body = _news(rng, at)
            originals.append((offset, i, title, alts, body))
            posts.append(Post(i, title, _join(body), at, i, "news"))
        elif roll < 0.72:
            title, text = _forum(rng)
            posts.append(Post(i, title, text, at, i, "forum"))
        elif roll < 0.88:
            title, text = _weibo(rng, at)
            posts.append(Post(i, title, text, at, i, "weibo"))
        else:
            title, _, _ = _news(rng, at)
            posts.append(Post(i, title, title, at, i, "wechat"))
    return posts


# ---------------------------------------------------------------------- scoring


def title_clashes(posts: list[Post]) -> int:
    """Pairs of different stories whose cleaned titles (>= 10 chars) are identical within 7 days."""
    from yuqing.text.similar import clean_for_matching

    last: dict[str, list[tuple[float, int]]] = {}
    clashes = 0
    for p in posts:
        title, _ = clean_for_matching(p.title, "")
        if len(title) < 10:
            continue
        ts = p.at.timestamp()
        seen = last.setdefault(title, [])
        clashes += sum(1 for t, story in seen if ts - t <= 7 * 86400 and story != p.story)
        seen.append((ts, p.story))
    return clashes


def pair_counts(groups: list[int], stories: list[int]) -> tuple[int, int, int]:
    """(predicted pairs, true pairs, correct pairs) from a group id and a story id per post."""
    def pairs(counter: Counter) -> int:
        return sum(c * (c - 1) // 2 for c in counter.values())

    return pairs(Counter(groups)), pairs(Counter(stories)), pairs(Counter(zip(groups, stories, strict=True)))


def precision_recall(groups: list[int], stories: list[int]) -> tuple[float, float]:
    predicted, true, correct = pair_counts(groups, stories)
    return (correct / predicted if predicted else 1.0), (correct / true if true else 1.0)


# ---------------------------------------------------------------------- the two methods


def run_index(posts: list[Post]) -> tuple[list[int], dict]:
    from yuqing.text.similar import StoryIndex

    index = StoryIndex(window_days=7.0)
    groups = index.add_many((p.id, p.title, p.text, p.at) for p in posts)
    return groups, {"comparisons": index.comparisons}


def _shingles(s: str, k: int) -> frozenset[str]:
    return frozenset(s[i : i + k] for i in range(max(len(s) - k + 1, 1)))


def run_naive(posts: list[Post]) -> tuple[list[int], dict]:
    """Every pair within the window: exact Jaccard of title bigrams and text 4-grams >= 0.6."""
    import re

    strip = re.compile(r"[\W_]+")
    sets = []
    for p in posts:
        t, x = strip.sub("", p.title), strip.sub("", p.text)
        text = _shingles(x, 4) if len(x) >= 30 and x != t else frozenset()
        title = _shingles(t, 2)
        sets.append((title, len(title), text, len(text)))
    groups: list[int] = []
    window = 7 * 86400.0
    stamps = [p.at.timestamp() for p in posts]
    compared = 0
    for i, (ti, nti, xi, nxi) in enumerate(sets):
        best, best_score = posts[i].id, 0.0
        for j in range(i):
            if stamps[i] - stamps[j] > window:
                continue
            compared += 1
            tj, ntj, xj, nxj = sets[j]
            common = len(ti & tj)
            score = common / (nti + ntj - common)
            if nxi and nxj:
                common = len(xi & xj)
                score = max(score, common / (nxi + nxj - common))
            if score >= 0.6 and score > best_score:
                best, best_score = groups[j], score
        groups.append(best)
    return groups, {"comparisons": compared}


def child(path: str, method: str, limit: int) -> None:
    with open(path, "rb") as f:
        posts: list[Post] = pickle.load(f)
    posts = posts[:limit] if limit else posts
    if method == "index":
        import yuqing.text.similar  # noqa: F401  (import time is not grouping time)
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    groups, extra = run_index(posts) if method == "index" else run_naive(posts)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    precision, recall = precision_recall(groups, [p.story for p in posts])
    by_kind: dict[str, list[int]] = {}
    gid = dict(zip((p.id for p in posts), groups, strict=True))
    for p in posts:
        if p.kind.startswith("reprint"):
            by_kind.setdefault(p.kind[8:], [0, 0])
            by_kind[p.kind[8:]][0] += 1
            by_kind[p.kind[8:]][1] += gid[p.id] == gid.get(p.story, -1)
    print(json.dumps({"wall": wall, "cpu": cpu, "peak": after.ru_maxrss / 1024, "loaded": rss_loaded,
                      "p": precision, "r": recall, "n": len(posts), "kinds": by_kind, **extra}))


def measure(path: str, method: str, limit: int = 0) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, __file__, "--child", path, "--method", method, "--limit", str(limit)],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )
    if out.returncode:
        raise SystemExit(f"child {method} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine_speed() -> float:
    """Seconds for a fixed pure-Python loop (5,000,000 additions): how fast this machine is now."""
    started = time.process_time()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=2_000, help="posts the naive baseline runs on")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child")
    parser.add_argument("--method")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.method, args.limit)
        return

    started = time.perf_counter()
    posts = generate(args.posts, seed=args.seed)
    kinds = Counter(p.kind.split(":")[0] for p in posts)
    _, true_pairs, _ = pair_counts([p.id for p in posts], [p.story for p in posts])
    chars = sum(len(p.title) + len(p.text) for p in posts)
    clashes = title_clashes(posts)
    print(f"generated {len(posts):,} posts in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items()))
          + f"; {chars / len(posts):.0f} characters a post; {true_pairs:,} same-story pairs; "
          f"{clashes:,} pairs of different stories with one cleaned title (>= 10 chars) within 7 days")
    speed = machine_speed()
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as f:
        pickle.dump(posts, f)
        path = f.name
    try:
        full = measure(path, "index")
        small = measure(path, "index", args.naive)
        naive = measure(path, "naive", args.naive)
    finally:
        os.unlink(path)
    scale = (args.posts / args.naive) ** 2
    rows = [
        (f"StoryIndex, {full['n']:,} posts", full, f"{full['wall']:.2f}"),
        (f"StoryIndex, first {small['n']:,} posts", small, f"{small['wall']:.2f}"),
        (f"naive pairwise, first {naive['n']:,} posts", naive, f"{naive['wall']:.2f}"),
        (f"naive pairwise, {args.posts:,} posts (extrapolated O(n²), not run)", None,
         f"~{naive['wall'] * scale:,.0f}"),
    ]
    print()
    print(f"{'method':<60} {'wall s':>8} {'CPU s':>7} {'peak MiB':>8} {'+MiB':>5} {'precision':>9} "
          f"{'recall':>6} {'compared':>10}")
    for name, m, wall in rows:
        if m is None:
            print(f"{name:<60} {wall:>8}")
            continue
        print(f"{name:<60} {wall:>8} {m['cpu']:>7.2f} {m['peak']:>8.0f} {m['peak'] - m['loaded']:>5.0f} "
              f"{m['p']:>9.3f} {m['r']:>6.3f} {m['comparisons']:>10,}")
    print()
    print("recall by kind of copy (the copy grouped with its original), StoryIndex on all posts:")
    for kind, (total, hit) in sorted(full["kinds"].items()):
        print(f"  {kind:<10} {hit:>5} / {total:<5} {hit / total:.3f}")
    load = os.getloadavg()[0]
    print(f"\nwall: grouping alone (fingerprints, candidate lookup, verification) in a fresh process; "
          f"peak MiB: its ru_maxrss, which includes the {full['loaded']:.0f} MiB of loaded posts; "
          f"+MiB: above that. This machine now: {os.cpu_count()} cores, load average {load:.1f}, "
          f"a 5,000,000-step Python loop takes {speed:.2f} s of CPU.")

if __name__ == "__main__":
    main()
