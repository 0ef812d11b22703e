"""Benchmark grouping and grading (`yuqing.events.grouping.update_events`) against naive baselines.

    python bench/grade_bench.py                      # 100,000 posts, at most about 4 minutes
    python bench/grade_bench.py --posts 20000 --naive 300 --shares 0.1   # a quick smoke test
    python bench/grade_bench.py --profile            # cProfile a scaling point even on PASS
    python bench/grade_bench.py --timeout 900        # let a slow full-size run finish

Setup: POSTS generated Chinese posts over 60 days (seeded: every run sees the same):
county news written from templates (meetings, inspections, accidents, projects, house
demolition 拆迁 and compensation, food safety, 城管, 5G base stations, water cuts, 12345
hotline figures ...) with stock official phrases, forum complaints carrying negative words
and click/comment figures, Weibo-length posts and title-only WeChat items, about twelve
monitored counties (and, in about 15 % of posts, places outside them). 5 % of the posts are
copies of a news story of the last three days: verbatim with 「来源」「责任编辑」 boilerplate,
wrapped titles (「转载｜」「【…】」「_站名」), trimmed texts, retitled copies (sometimes with
「原标题：」) and forum threads quoting the headline. The generator lives here and the other
bench scripts (report_bench, search_bench) import it.

The posts go into a fresh store through `Store.save_items`, one batch per fake source and
day (timed, shown as its own row), and the bundled rules.toml gets one extra `[[topics]]`
whose keywords are the twelve county names, so most posts match. Then, each in a fresh
subprocess that reports its own peak RSS (VmHWM from /proc/self/status: `ru_maxrss`
would count the parent's resident size carried over at fork):

1. yuqing: `update_events(store, rules)` on all posts — topic matching, tone, fingerprints,
   grouping into events, grading every event — the figure the target is about; killed
   after TIMEOUT seconds (so the bench stops by itself), and then reported as unfinished;
   also on the first SHARES of the days (copies of the store cut by publication time), to
   show how time and candidate checks per post grow with the posts already grouped; the
   smallest of those is run again under cProfile when a target fails (or with --profile);
2. baseline: naive grading, a Python `in` loop over every keyword of every category,
   tone-lexicon list, key mention and topic, for every post (the posts read from the same
   database first; reading is timed separately);
3. baseline: naive pairwise duplicate check — exact Jaccard of title bigram and text
   4-gram sets for every pair — on the first NAIVE topic-matched posts, extrapolated to
   POSTS as O(n²) (labelled as such: it is not run at full size), beside yuqing on the
   same NAIVE posts.

Grouping quality is scored against the generator's story ids over the posts the topic
matched: pairwise precision and recall, and recall on the known (reprint, original) pairs
by kind of copy. Figures are printed, never asserted. Only loopback; every child has a
timeout; temporary files are removed unless --keep is given.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from procmem import tree_pss_kib

ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 600.0  # seconds; no single measurement may take longer

# ====================================================================== the corpus


def _w(text: str) -> list[str]:
    return text.split()


COUNTIES = _w(
    "清河县 临西县 威县 南宫市 新河县 巨鹿县 广宗县 平乡县 宁晋县 柏乡县 内丘县 临城县"
)  # the monitored counties: the topic's keywords
ELSEWHERE = _w("石家庄市 保定市 衡水市 德州市 聊城市 邯郸市 沧州市 廊坊市")  # not monitored
TOWNS = _w(
    "葛仙庄 连庄 王官庄 坝营 谢炉 油坊 黄金庄 东高庄 城关 马屯 王什 张庄 大营 新兴 丰台 河头 "
    "白塔 北关 南关 李家庄 高庄 孙庄 刘庄 尚庄 田庄 郭村 苏村 杨庄 河西 侯家庄"
)
ROADS = _w(
    "人民路 建设路 解放街 新华路 滨河路 育才路 振兴大街 长江路 黄河路 幸福街 中华大街 迎宾路 "
    "胜利路 团结路 和平街 光明路 朝阳路 文化路 车站路 工业大道 兴业路 富强街 民主路 青年路"
)
HOUSING = _w(
    "阳光花园 御景园 锦绣华庭 幸福家园 金色港湾 凤凰城 书香苑 翰林苑 中央公园 明珠小区 世纪名城 "
    "盛世华庭 龙湖湾 怡景苑 水岸花城 紫金苑 东方名苑 丽景嘉园 银河小区 建业小区 供电小区 教师公寓 "
    "棉纺厂家属院 粮食局宿舍 锦江花园 滨河湾 翡翠城 天鹅湖 学府名邸 新城国际"
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
GIVEN = "建国志强伟明秀英丽华军平海涛刚勇杰磊敏静燕红霞玉兰春梅晓东文斌宏立新卫振国庆德胜永福家豪子轩浩然"
OFFICIALS = _w("县委书记 县长 县委副书记 常务副县长 副县长 县人大常委会主任 县政协主席 县委常委 镇党委书记 镇长")
WORK = _w(
    "防汛 安全生产 秋粮收购 人居环境整治 森林防火 招商引资 乡村振兴 河长制 文明城市创建 耕地保护 "
    "信访稳定 优化营商环境 燃气安全 消防安全 食品安全 校园安全 道路交通安全 禁毒 民生实事 "
    "农村饮水安全 秸秆禁烧 大气污染防治 重点项目建设 就业创业 养老服务 医疗保障 义务教育 "
    "高标准农田建设 电商直播 文化旅游 党风廉政建设 基层治理 网格化管理 反诈宣传 根治欠薪 "
    "市场监管 自建房安全 冬季供暖 老旧小区改造 垃圾分类"
)
MEETINGS = _w("工作会议 推进会 部署会 调度会 专题会议 座谈会 动员大会 现场会 观摩会")
BUREAUS = _w(
    "应急管理局 农业农村局 自然资源局 生态环境分局 住建局 水务局 卫健局 教育局 市场监管局 公安局 "
    "民政局 人社局 城管局 医保局 交通运输局"
)
COMPANIES = _w("宏达 鑫源 华通 恒信 瑞丰 金鼎 隆盛 天润 福源 广汇 德顺 永安 康泰")
INDUSTRIES = _w("轴承 羊绒 汽车配件 电动车 纺织 食品加工 农机 建材 新能源 光伏 智能装备 生物医药")
SCHOOLS = _w("第一中学 第二中学 实验小学 实验中学 第一小学 职教中心 第一幼儿园 机关幼儿园 第二幼儿园")
VENUES = _w("人民医院 中医院 妇幼保健院 体育馆 图书馆 文化中心 城北公园 汽车站 便民服务中心 政务服务大厅")
ACCIDENTS = _w("交通事故 火灾 燃气泄漏 房屋坍塌 车辆侧翻 触电事故 厂房起火")
COMPLAINTS = _w(
    "停水 停电 暖气不热 垃圾无人清运 噪音扰民 污水外溢 路灯不亮 道路坑洼 物业乱收费 拖欠工资 "
    "违建占道 油烟扰民 排污刺鼻 学校乱收费 开发商延期交房 拆迁补偿款不到位 城管暴力执法 "
    "食品过期 5G基站辐射 充电桩不够用"
)
FOODS = _w("桶装水 食用油 熟肉制品 糕点 蔬菜 豆制品 饮料 调味品 校园食堂饭菜 外卖餐食")
SITES_NEWS = _w(
    "清河发布|qinghe.gov.cn 邢台日报|xtrb.cn 河北新闻网|hebnews.cn 长城网|hebei.com.cn "
    "燕赵都市报|yzdsb.com.cn 邢台新闻网|xtnews.cn 冀时客户端|jishi.cn 县融媒体中心|rmt.gov.cn "
    "人民网|people.com.cn 新华网|news.cn 澎湃新闻|thepaper.cn 中国新闻网|chinanews.com.cn"
)
SITES_FORUM = _w("清河论坛|bbs.qinghe.net 邢台吧|tieba.baidu.com 牛城社区|bbs.niucheng.cn 家乡网|bbs.jiaxiang.cc")
SITES_SOCIAL = _w("微博|weibo.com 微信公众号|mp.weixin.qq.com 抖音|douyin.com")
MAINSTREAM = {"人民网", "新华网", "澎湃新闻", "中国新闻网", "河北新闻网", "长城网"}

STOCK = (
    "会议强调，要提高政治站位，切实增强做好{w}工作的责任感和紧迫感",
    "要坚持以人民为中心的发展思想，把{w}工作抓紧抓实抓细",
    "各乡镇、各部门要压紧压实责任，确保各项措施落到实处",
    "要加强统筹协调，形成工作合力，推动{w}工作取得实效",
    "要坚持问题导向，深入排查风险隐患，做到早发现、早报告、早处置",
    "会议指出，做好{w}工作意义重大，事关人民群众切身利益",
    "要强化督导检查，对工作不力、推诿扯皮的严肃追责问责",
    "要加大宣传力度，营造全社会共同参与的良好氛围",
    "与会人员纷纷表示，将认真贯彻落实会议精神，扎实做好各项工作",
    "要以钉钉子精神抓好各项任务落实，确保取得扎实成效",
    "要坚持底线思维，统筹发展和安全，牢牢守住不发生重大风险的底线",
    "下一步，{c}将继续加大工作力度，不断巩固提升工作成效",
    "群众可通过12345政务服务便民热线反映诉求",
    "目前，各项工作正在按计划有序开展",
)
DETAILS = (
    "{t}{v}村党支部书记{p}介绍，今年以来村里共投入资金{n}万元，完成{thing}{k}处",
    "截至{mo}月底，{c}已累计完成{thing}{n}处，完成率{pct}%，位居全市第{r}",
    "{c}{b}负责人{p}表示，将把{w}与{w2}结合起来，建立问题清单{k}项",
    "{t}群众{p}说：“{q}”",
    "据统计，{c}共有{n}户{people}受益，人均增收{m}元",
    "{c}{b}抽调{k}名业务骨干组成{k2}个工作专班，分包{t}等{k3}个乡镇",
    "今年{c}计划投资{m}万元，实施{thing}项目{k}个，目前已开工{k2}个",
    "{p}要求{b}在{mo}月{d}日前完成{thing}排查，形成台账报县委办",
    "针对{v}村{problem}问题，{c}{b}已下发整改通知书{k}份，立案查处{k2}起",
    "{c}12345热线共受理{w}方面诉求{n}件，按时办结率{pct}%",
)
THINGS = _w("危房改造 道路硬化 坑塘治理 厕所改造 管网铺设 路灯安装 隐患整改 河道清淤 5G基站建设 充电桩安装")
PEOPLE = _w("困难群众 脱贫户 农户 商户 企业职工 在校学生 老年人 外出务工人员")
QUOTES = (
    "现在路修好了，出门方便多了", "家门口就能办事，省心", "这个政策真是实打实的", "没想到问题这么快就解决了",
    "以前一下雨就积水，现在好多了", "干部上门服务，我们很满意", "补偿款一分不少都到账了",
)
PROBLEMS = _w("私搭乱建 垃圾乱倒 秸秆焚烧 非法采砂 占道经营 违规排污 私拉电线")
FORUM_OPENERS = (
    "有没有人知道，", "说一下我们这里的情况，", "实在忍不了了，", "求助各位网友，", "大家评评理，",
    "不吐不快，", "求扩散！", "真心想问问有关部门，", "打了好几次12345热线都没用，",
)
FORUM_TAILS = (
    "希望有关部门能管一管。", "到底有没有人管？", "投诉了好几次都没人管。", "大家怎么看？",
    "已经好几天了，老人孩子都受不了。", "有知道内情的吗？", "再这样下去真没法住了。", "强烈要求给个说法！",
)
COMMENTS = (
    "这个事情必须重视起来", "终于有人管了", "希望说到做到", "我们村也是这样", "支持！", "点赞",
    "看看后续怎么处理", "说得好听，落实才是关键", "这个政策不错", "早该这样了", "关注一下", "希望不要走过场",
)
WRAP_HEAD = ("转载｜", "【转载】", "[转帖]", "转：", "【{s}】", "{s}｜", "热点｜", "")
WRAP_TAIL = ("_{s}", " - {s}", "｜{s}", "（转载）", "（来源：{s}）", "")
EDITORS = [a + b for a in SURNAMES[:24] for b in "丽伟静涛敏磊"]


@dataclass(slots=True)
class Post:
    id: int  # 0-based order of generation
    story: int  # the id of the original this post copies, else its own id
    kind: str  # news | forum | weibo | wechat | reprint:<how>
    title: str
    text: str
    site: str
    domain: str
    source: str  # the fake source's name: site + channel number
    channel: str  # rss | forum
    url: str
    at: datetime  # publication time, UTC
    clicks: int | None = None
    comments: int | None = None

    @property
    def mainstream(self) -> bool:
        return self.site in MAINSTREAM


def _join(sentences: list[str]) -> str:
    return "".join(s if s.endswith(("。", "）", "！", "？")) else s + "。" for s in sentences)


class _Lazy(dict):
    """format_map() fills: a template's fields are drawn only when the template uses them."""

    def __init__(self, writer: _Writer, fixed: dict):
        super().__init__(fixed)
        self.w = writer

    def __missing__(self, key: str) -> object:
        w = self.w
        value = _FIELDS[key](w)
        self[key] = value
        return value


_FIELDS = {
    "w2": lambda w: w.c(WORK), "v": lambda w: w.c(TOWNS), "p": lambda w: w.name(), "b": lambda w: w.c(BUREAUS),
    "n": lambda w: w.i(12, 2000), "k": lambda w: w.i(2, 60), "k2": lambda w: w.i(2, 20), "k3": lambda w: w.i(2, 9),
    "m": lambda w: w.i(300, 90000), "mo": lambda w: w.i(1, 12), "d": lambda w: w.i(1, 28),
    "pct": lambda w: w.i(60, 99), "r": lambda w: w.i(1, 9), "thing": lambda w: w.c(THINGS),
    "people": lambda w: w.c(PEOPLE), "q": lambda w: w.c(QUOTES), "problem": lambda w: w.c(PROBLEMS),
}  # fmt: skip


class _Writer:
    """One seeded generator; every method returns plain strings. `c` and `i` are cheap
    stand-ins for random.choice and random.randint (the generator's hot spots)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.rnd = self.rng.random

    def c(self, seq):
        return seq[int(self.rnd() * len(seq))]

    def i(self, low: int, high: int) -> int:
        return low + int(self.rnd() * (high - low + 1))

    def name(self) -> str:
        c = self.c
        return c(SURNAMES) + (c(GIVEN) if self.rnd() < 0.4 else c(GIVEN) + c(GIVEN))

    def place(self) -> str:
        return self.c(COUNTIES) if self.rnd() < 0.85 else self.c(ELSEWHERE)

    def details(self, c: str, t: str, w: str, k: int) -> list[str]:
        return [template.format_map(_Lazy(self, {"c": c, "t": t, "w": w}))
                for template in self.rng.sample(DETAILS, k)]

    def news(self, day: datetime) -> tuple[str, list[str], list[str]]:
        """(title, alternative titles for retitled copies, body sentences)."""
        r = self.rng
        c = self.place()
        short = c[:-1]
        t = self.c(TOWNS) + self.c("镇乡")
        w = self.c(WORK)
        p = self.name()
        post = self.c(OFFICIALS)
        date = f"{day.month}月{day.day}日"
        when = date + self.c(("上午", "下午", "", "晚"))
        kind = self.i(0, 11)
        n = self.i(3, 90)
        if kind == 0:
            m = self.c(MEETINGS)
            title = f"{c}{self.c(('召开', '举行', '组织召开'))}{self.c(('', '全县', '今年'))}{w}{m}"
            alts = [f"{c}部署{w}工作", f"{p}主持召开{w}{m}", f"{short}：全力以赴抓好{w}工作"]
            body = [f"{when}，{c}召开{w}{m}，{post}{p}出席会议并讲话。",
                    f"会议传达学习了上级关于{w}工作的有关精神，通报了前一阶段全县{w}工作情况"]
        elif kind == 1:
            title = f"{p}到{t}调研{w}工作"
            alts = [f"{c}{post}{p}调研{w}工作", f"{p}在{t}调研时强调 扎实推进{w}"]
            body = [f"{when}，{post}{p}深入{c}{t}调研{w}工作。",
                    f"{p}先后来到{t}{self.c(TOWNS)}村、{self.c(COMPANIES)}{self.c(INDUSTRIES)}有限公司等地实地察看"]
        elif kind == 2:
            acc, road = self.c(ACCIDENTS), self.c(ROADS)
            hurt = self.i(1, 9)
            dead = self.rnd() < 0.15
            title = f"{c}{road}发生一起{acc} {'造成' + str(hurt) + '人死亡' if dead else str(hurt) + '人受伤'}"
            alts = [f"突发！{short}{road}{acc}致{hurt}人{'死亡' if dead else '受伤'}", f"{c}{road}{acc}：伤者已送医救治"]
            body = [f"{when}{self.i(6, 22)}时许，{c}{road}与{self.c(ROADS)}交叉口附近发生一起{acc}。",
                    f"事故发生后，{c}应急管理局、公安局、消防救援大队等部门第一时间赶赴现场处置",
                    f"伤者已被送往{c}{self.c(VENUES[:3])}救治，事故原因正在调查中"]
        elif kind == 3:
            company = self.c(COMPANIES) + self.c(INDUSTRIES)
            money = self.i(2, 80)
            title = f"{c}{company}项目{self.c(('开工', '签约', '投产', '竣工'))} 总投资{money}亿元"
            alts = [f"总投资{money}亿元！{company}项目落户{short}", f"{c}又一重点项目{self.c(('开工', '签约'))}"]
            body = [f"{when}，{c}{company}项目举行仪式，{post}{p}出席并宣布项目启动。",
                    f"该项目总投资{money}亿元，建成后预计年产值{self.i(3, 60)}亿元，可带动就业{self.i(200, 3000)}人"]
        elif kind == 4:
            area = self.c(("城中村", "棚户区", "老旧片区", "旧城改造片区", self.c(TOWNS) + "村"))
            title = self.c((f"{c}{t}{area}拆迁补偿款发放到位", f"{c}{t}{area}房屋征收补偿方案公示",
                              f"{c}回应{t}{area}拆迁补偿问题", f"{c}{t}{area}拆迁工作有序推进"))
            alts = [f"{short}：{area}征收拆迁进展顺利", f"{c}{area}拆迁群众拿到补偿款"]
            body = [f"{date}，记者从{c}住建局获悉，{t}{area}拆迁涉及{self.i(30, 900)}户，已签约{self.i(20, 800)}户。",
                    f"补偿款按照{c}征收补偿方案足额发放，共计{self.i(300, 9000)}万元",
                    f"对于群众反映的补偿款发放进度问题，{c}住建局表示将逐户核实"]
        elif kind == 5:
            food = self.c(FOODS)
            bad = self.i(0, 6)
            title = f"{c}市场监管局抽检{n}批次{food}等食品 {bad}批次不合格" if bad else f"{c}抽检{n}批次{food}全部合格"
            alts = [f"{short}发布食品安全抽检信息", f"{c}食品安全抽检结果公布"]
            body = [f"{date}，{c}市场监管局公布{w}专项抽检结果，共抽检{food}等食品{n}批次。",
                    f"不合格食品涉及{food}，已责令下架并立案调查" if bad else "抽检样品全部合格",
                    "食品安全关系群众身体健康，请广大消费者选购时注意查看生产日期和保质期"]
        elif kind == 6:
            road = self.c(ROADS)
            title = self.c((f"{c}城管开展{road}占道经营整治 清理摊点{n}处", f"{date}{c}城管局集中整治{road}流动摊贩",
                              f"{c}城管执法人员{road}文明执法获群众点赞", f"{c}城管局：{road}{n}处占道经营已整改"))
            alts = [f"{short}城管：{road}市容明显改观", f"{c}整治占道经营 还路于民"]
            body = [f"{when}，{c}城管局组织执法人员对{road}沿线占道经营、流动摊贩进行集中整治。",
                    f"共清理占道摊点{self.i(10, 200)}处，劝导流动摊贩{self.i(5, 90)}人"]
        elif kind == 7:
            title = self.c((f"{c}新建5G基站{n}个 实现{t}等乡镇全覆盖", f"{c}5G基站建设提速 年内再建{n}座",
                              f"{c}回应{t}5G基站辐射问题：符合国家标准"))
            alts = [f"{short}：5G网络覆盖全部乡镇", f"{c}加快5G基站和充电桩建设"]
            body = [f"记者从{c}工信部门了解到，今年以来全县新建5G基站{n}个，{t}等乡镇实现5G信号覆盖。",
                    f"同时新建公共充电桩{self.i(20, 300)}个，方便电动车充电",
                    "对于部分群众担心的5G基站辐射问题，监测数据显示电磁辐射远低于国家标准"]
        elif kind == 8:
            road = self.c(ROADS)
            title = f"{c}自来水公司关于{date}{road}一带停水的通知"
            alts = [f"{short}部分区域{date}停水", f"停水通知！{c}{road}一带{date}停水"]
            body = [f"因供水管网改造施工，{date}8时至20时，{c}{road}、{self.c(ROADS)}一带将暂停供水。",
                    "请广大用户提前做好储水准备，给您带来的不便敬请谅解",
                    f"咨询电话：0319-{self.i(1000000, 9999999)}"]
        elif kind == 9:
            school = self.c(SCHOOLS)
            title = self.c((f"{c}{school}{n * 10}名师生参加{w}主题教育活动", f"{date}{c}{school}食堂通过食品安全检查",
                              f"{c}{t}{school}{self.c(('扩建工程开工', '新校区投入使用', '招生政策发布'))}"))
            alts = [f"{short}{school}：{w}宣传进校园", f"{school}开展{w}宣传活动"]
            body = [f"{when}，{c}{school}组织{self.i(100, 2000)}名师生开展以{w}为主题的教育活动。",
                    f"{c}教育局有关负责人表示，将持续加强校园安全和食品安全管理"]
        elif kind == 10:
            pct = self.i(90, 100)
            title = f"{c}12345热线{day.month}月受理诉求{self.i(800, 9000)}件 办结率{pct}%"
            alts = [f"{short}12345热线月度通报", f"{c}通报12345热线诉求办理情况"]
            body = [f"{date}，{c}政务服务管理局通报了上月12345政务服务便民热线运行情况。",
                    f"群众反映较多的问题集中在{self.c(COMPLAINTS)}、{self.c(COMPLAINTS)}和{self.c(COMPLAINTS)}等方面",
                    f"对于{self.c(COMPLAINTS)}等诉求，已转交{self.c(BUREAUS)}限期办理"]
        else:
            b = self.c(BUREAUS)
            title = f"{c}{b}关于做好{w}工作的通知（{short}{b[:2]}〔2026〕{n}号）"
            alts = [f"{short}发布{w}工作通知", f"重要通知！{c}部署{w}工作"]
            body = [f"各乡镇人民政府，县直有关单位：为切实做好{w}工作，现将有关事项通知如下。",
                    f"一、提高思想认识。各单位要充分认识做好{w}工作的重要性",
                    "二、落实工作责任。主要负责同志是第一责任人，分管负责同志是直接责任人"]
        body += self.details(c, t, w, self.i(1, 4))
        body += [s.format(w=w, c=c) for s in r.sample(STOCK, self.i(1, 3))]
        body = body[:1] + r.sample(body[1:], len(body) - 1)  # the lead stays first
        if self.rnd() < 0.4:
            body.append(f"（{c}融媒体中心记者 {self.name()} 通讯员 {self.name()}）")
        return title, alts, body

    def forum(self) -> tuple[str, str]:
        r = self.rng
        c = self.place()
        place = self.c(HOUSING) + self.c(("", f"{self.i(1, 30)}号楼", f"{self.i(1, 9)}期"))
        if self.rnd() < 0.3:
            place = self.c(TOWNS) + self.c("镇乡") + self.c(TOWNS) + "村"
        what = self.c(COMPLAINTS)
        days = self.i(2, 30)
        title = self.c((
            f"{c}{place}{what}{days}天了，有人管吗？", f"{place}{what}问题什么时候能解决？",
            f"反映{c}{place}{what}的问题（第{self.i(2, 9)}次）", f"{place}又{what}了！怎么办",
            f"{self.c(('强烈', '实名', '再次'))}投诉{c}{place}{what}", f"{c}{place}{what}，{self.c(FORUM_TAILS)}",
        ))  # fmt: skip
        text = (self.c(FORUM_OPENERS) + f"{c}{place}{what}已经{days}天了，"
                + "，".join(r.sample(COMMENTS, 2)) + "。" + self.c(FORUM_TAILS))
        return title, text

    def weibo(self, day: datetime) -> tuple[str, str]:
        c = self.place()
        when = f"{day.month}月{day.day}日{self.i(6, 22)}点"
        text = self.c((
            f"今天在{c}{self.c(VENUES)}看到{self.c(WORK)}宣传，{self.c(COMMENTS)}，{self.c(COMMENTS)}。",
            f"{c}的{self.c(WORK)}搞得{self.c(('不错', '一般', '挺认真', '走形式'))}，{self.c(COMMENTS)}！{self.c(COMMENTS)}",
            f"#{c}# {when} {self.c(ROADS)}{self.c(COMPLAINTS)}，{self.c(FORUM_TAILS)}",
            f"转发理由：{self.c(COMMENTS)}。{c}{self.c(WORK)}相关消息，{self.c(COMMENTS)}，{self.c(TOWNS)}也一样",
            f"{when}路过{c}{self.c(ROADS)}，{self.c(HOUSING)}门口{self.c(COMPLAINTS)}，{self.c(FORUM_TAILS)}",
        ))  # fmt: skip
        return text[:30], text

    def reprint(self, title: str, alts: list[str], body: list[str], site: str) -> tuple[str, str, str]:
        r = self.rng
        how = self.c(("verbatim", "wrapped", "trimmed", "retitled", "retitled", "forum"))
        head = self.c(WRAP_HEAD).format(s=site)
        tail = self.c(WRAP_TAIL).format(s=site)
        text = _join(body)
        top = self.c((f"来源：{site}\n", f"转自：{site}\n", f"【{site}讯】", ""))
        end = self.c((f"\n责任编辑：{self.c(EDITORS)}", f"\n编辑：{self.c(EDITORS)} 审核：{self.c(EDITORS)}",
                        f"\n（来源：{site}）", "\n点击阅读原文", ""))  # fmt: skip
        if how == "verbatim":
            return title, top + text + end, how
        if how == "wrapped":
            return head + title + tail, top + text + end, how
        if how == "trimmed":
            keep = max(1, int(len(body) * r.uniform(0.4, 0.8)))
            return head + title, top + _join(body[:keep]) + end, how
        if how == "retitled":
            original = f"原标题：{title}\n" if self.rnd() < 0.3 else ""
            if self.rnd() < 0.3:
                text = _join(body[: max(2, int(len(body) * r.uniform(0.5, 0.9)))])
            return self.c(alts), original + top + text + end, how
        comment = "，".join(r.sample(COMMENTS, 2))
        if self.rnd() < 0.5:
            t = self.c((f"【转】{title}", f"{title}，大家怎么看？", f"求证：{title}", f"{title}（转自{site}）"))
            return t, comment + "。" + (body[0] if self.rnd() < 0.5 else ""), how
        return self.c(("关注一下这个事", "身边的新闻", "看到一条新闻")), f"看到新闻《{title}》，{comment}。", how


def _sites(spec: list[str], channels: int) -> list[tuple[str, str, str]]:
    """(site, domain, source name) for `channels` sources per site."""
    out = []
    for entry in spec:
        site, domain = entry.split("|")
        out += [(site, domain, f"{site}-{n:02d}") for n in range(channels)]
    return out


# 300 sources in all: 12 news sites x 18 channels, 4 forums x 15 boards, 3 social x 8 accounts
NEWS_SOURCES = _sites(SITES_NEWS, 18)
FORUM_SOURCES = _sites(SITES_FORUM, 15)
SOCIAL_SOURCES = _sites(SITES_SOCIAL, 8)
ALL_SOURCES = NEWS_SOURCES + FORUM_SOURCES + SOCIAL_SOURCES

CORPUS_START = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # 2026-01-01 00:00 Beijing


def iter_posts(n: int, *, seed: int = 11, days: float = 60.0, start: datetime = CORPUS_START,
               reprint_share: float = 0.05) -> Iterator[Post]:
    """`n` posts in publication order, spread evenly over `days` from `start`.

    About 47 % county news, 21 % forum threads, 15 % Weibo, 11 % WeChat titles and
    `reprint_share` copies of a news story of the last three days (story = the original's id).
    """
    w = _Writer(seed)
    step = days * 86400.0 / max(n, 1)
    originals: deque[tuple[float, int, str, list[str], list[str], str]] = deque(maxlen=600)
    for i in range(n):
        offset = (i + w.rnd()) * step
        at = start + timedelta(seconds=offset)
        url_day = (at + timedelta(hours=8)).strftime("%Y%m%d")
        if originals and w.rnd() < reprint_share:
            recent = [o for o in originals if offset - o[0] <= 3 * 86400]
            if recent:
                _, story, title, alts, body, first_site = w.c(recent)
                site, domain, source = w.c(NEWS_SOURCES)
                while site == first_site:
                    site, domain, source = w.c(NEWS_SOURCES)
                t, x, how = w.reprint(title, alts, body, site)
                channel, clicks, comments = "rss", None, None
                if how == "forum":
                    site, domain, source = w.c(FORUM_SOURCES)
                    channel, clicks, comments = "forum", w.i(50, 5000), w.i(0, 300)
                yield Post(i, story, "reprint:" + how, t, x, site, domain, source, channel,
                           f"https://{domain}/{url_day}/{i}.html", at, clicks, comments)
                continue
        roll = w.rnd()
        if roll < 0.5:
            title, alts, body = w.news(at + timedelta(hours=8))
            site, domain, source = w.c(NEWS_SOURCES)
            originals.append((offset, i, title, alts, body, site))
            yield Post(i, i, "news", title, _join(body), site, domain, source, "rss",
                       f"https://{domain}/{url_day}/{i}.html", at)
        elif roll < 0.72:
            title, text = w.forum()
            site, domain, source = w.c(FORUM_SOURCES)
            hot = w.rnd() < 0.03
            yield Post(i, i, "forum", title, text, site, domain, source, "forum",
                       f"https://{domain}/thread-{i}-1-1.html", at,
                       w.i(1000, 20000) if hot else w.i(10, 900),
                       w.i(100, 800) if hot else w.i(0, 60))
        elif roll < 0.88:
            title, text = w.weibo(at + timedelta(hours=8))
            site, domain, source = w.c(SOCIAL_SOURCES[:8])
            yield Post(i, i, "weibo", title, text, site, domain, source, "rss",
                       f"https://{domain}/status/{i}", at)
        else:
            title, _, _ = w.news(at + timedelta(hours=8))
            site, domain, source = w.c(SOCIAL_SOURCES[8:])
            yield Post(i, i, "wechat", title, "", site, domain, source, "rss",
                       f"https://{domain}/s/{i}", at)


def monitored_rules_text(extra: str = "", counties: list[str] | None = None) -> str:
    """The bundled rules.toml plus one topic whose keywords are the monitored counties."""
    from yuqing.rules import rules_path_for

    keywords = ", ".join(f'"{c}"' for c in counties or COUNTIES)
    base = rules_path_for(None).read_text(encoding="utf-8")
    return (base + "\n\n# -- added by bench/grade_bench.py --\n[[topics]]\nname = \"本县舆情\"\n"
            f"keywords = [{keywords}]\n" + extra)


# ====================================================================== measuring and printing


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def peak_rss_mib() -> float:
    """This process's own high-water RSS (VmHWM): reset at exec, unlike ru_maxrss."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_child(argv: list[str], *, timeout: float = CHILD_TIMEOUT, env: dict | None = None,
              cwd: str | None = None, expect_json: bool = True) -> tuple[float, dict, str]:
    """Run a child that prints one JSON object as its last stdout line: (wall, data, stderr).
    With expect_json=False any output will do: data then holds its line count ("lines").

    The child's VmHWM is also sampled from /proc every 50 ms, so a child killed at the
    timeout still has a peak ("peak" in data: the child's own figure when it reports one).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                cwd=cwd or tempfile.gettempdir())
        peak, tree, killed, cpu, samples = 0, 0, False, 0.0, 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                cpu = usage.ru_utime + usage.ru_stime
                break
            peak = max(peak, _hwm_kib(proc.pid))
            if samples % 10 == 0:  # PSS costs the kernel a page-table walk: every 0.5 s
                tree = max(tree, tree_pss_kib(proc.pid))  # with any worker processes
            samples += 1
            if time.perf_counter() - started > timeout:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                cpu = usage.ru_utime + usage.ru_stime
                killed = True
                break
            time.sleep(0.05)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    lines = stdout.strip().splitlines()
    try:
        if not expect_json:
            if proc.returncode or killed:
                raise ValueError("failed")
            lines.append(json.dumps({"lines": len(lines)}))
        data = json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = " / ".join(stderr.strip().splitlines()[-6:])
        reason = f"killed after {timeout:g} s" if killed else f"exit {proc.returncode}: {tail}"
        data = {"error": reason, "killed": killed, "wall": wall}
    data.setdefault("peak", peak / 1024)
    data["tree"] = tree / 1024  # sampled: PSS of the child and its workers together
    data["cpu"] = cpu  # user + sys of the whole child, start-up included
    data.setdefault("stdout", "\n".join(lines[:-1]))
    return wall, data, stderr


def width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Plain text, first column left-aligned, the rest right-aligned; CJK counts double."""
    cells = [header, *rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(header))]

    def line(cols: tuple[str, ...]) -> str:
        parts = [cols[0] + " " * (widths[0] - width(cols[0]))]
        parts += [" " * (w - width(c)) + c for c, w in zip(cols[1:], widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def machine_line() -> str:
    return (f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average"
            f" {os.getloadavg()[0]:.2f}")


# ====================================================================== building the store


def save_posts(store, posts: list[Post], *, seen_delay: timedelta = timedelta(minutes=10)) -> int:
    """Insert through Store.save_items: one batch per source and Beijing day (one transaction a day)."""
    from yuqing.models import Item

    batches: dict[tuple[str, str], list[Post]] = {}
    for p in posts:
        day = (p.at + timedelta(hours=8)).strftime("%Y-%m-%d")
        batches.setdefault((day, p.source), []).append(p)
    saved = 0
    day_now = None
    for (day, source), group in sorted(batches.items()):
        if day != day_now:
            if day_now is not None:
                store.conn.execute("COMMIT")
            store.conn.execute("BEGIN IMMEDIATE")
            day_now = day
        first = group[0]
        items = [Item(url=p.url, title=p.title, guid=None, text=p.text, published_at=iso(p.at),
                      clicks=p.clicks, comments=p.comments) for p in group]
        counts = store.save_items(source=source, channel=first.channel, site=first.site,
                                  mainstream=first.mainstream, items=items,
                                  seen_at=iso(group[-1].at + seen_delay))
        saved += counts.new
    if day_now is not None:
        store.conn.execute("COMMIT")
    return saved


# ====================================================================== children


def child_update(db: str, rules_path: str, now: str, profile: str) -> None:
    """Time update_events on a built store; optionally under cProfile."""
    import yuqing.text.similar as similar_module
    from yuqing import clock
    from yuqing.events.grouping import update_events
    from yuqing.rules import load_rules
    from yuqing.store import Store

    rules = load_rules(Path(rules_path))
    store = Store(db)
    loaded = peak_rss_mib()
    indexes = []  # the StoryIndex update_events builds, for its candidate counts

    class CountedIndex(similar_module.StoryIndex):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            indexes.append(self)

    similar_module.StoryIndex = CountedIndex  # events imports it from similar when it groups
    started = time.perf_counter()
    if profile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(update_events, store, rules, now=clock.parse_iso(now))
        wall = time.perf_counter() - started
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(18)
        stats.sort_stats("tottime").print_stats(12)
        text = "\n".join(line for line in stream.getvalue().splitlines() if line.strip())
        print(text.replace(str(ROOT) + "/", "").replace(sys.prefix, "<venv>"))
    else:
        result = update_events(store, rules, now=clock.parse_iso(now))
        wall = time.perf_counter() - started
    store.close()
    print(json.dumps({"wall": wall, "peak": peak_rss_mib(), "loaded": loaded,
                      "analysed": result.analysed, "matched": result.matched,
                      "new_events": result.new_events, "graded": result.graded,
                      "changes": len(result.changes),
                      "compared": sum(i.comparisons for i in indexes), "verified": sum(i.verified for i in indexes)}))


def _all_keywords(rules) -> list[str]:
    words: list[str] = []
    for ws in rules.categories.values():
        words += ws
    from yuqing.text.tone import (
        DEFAULT_LEXICON as tone,  # the baseline scans the old lexicon's lists
    )

    for name in ("words", "negations", "negation_exceptions", "modal_negations", "positive_words",
                 "frames", "exclusions"):
        words += getattr(tone, name)
    words += rules.key_persons + rules.key_places
    for topic in rules.topics:
        words += topic.keywords + topic.all + topic.exclude
    return words


def naive_grade(texts: list[str], rules) -> tuple[int, int]:
    """For every post, `in` over every keyword of every list: (keyword hits, posts hit)."""
    from yuqing.text.tone import (
        DEFAULT_LEXICON as tone,  # the baseline scans the old lexicon's lists
    )

    groups = [list(ws) for ws in rules.categories.values()]
    groups += [list(getattr(tone, name)) for name in ("words", "negations", "negation_exceptions",
                                                       "modal_negations", "positive_words", "frames",
                                                       "exclusions")]  # fmt: skip
    groups += [list(rules.key_persons + rules.key_places)]
    for topic in rules.topics:
        groups += [list(topic.keywords), list(topic.all), list(topic.exclude)]
    hits = posts_hit = 0
    for text in texts:
        found = 0
        for words in groups:
            for word in words:
                if word in text:
                    found += 1
        hits += found
        posts_hit += found > 0
    return hits, posts_hit


def child_naive_grade(db: str, rules_path: str) -> None:
    import sqlite3

    from yuqing.rules import load_rules

    rules = load_rules(Path(rules_path))
    started = time.perf_counter()
    conn = sqlite3.connect(db)
    texts = [f"{t}\n{x}" for t, x in conn.execute("SELECT title, text FROM posts ORDER BY id")]
    conn.close()
    read = time.perf_counter() - started
    started = time.perf_counter()
    hits, posts_hit = naive_grade(texts, rules)
    wall = time.perf_counter() - started
    print(json.dumps({"wall": wall, "read": read, "peak": peak_rss_mib(), "posts": len(texts),
                      "keywords": len(_all_keywords(rules)), "hits": hits, "posts_hit": posts_hit}))


_STRIP = re.compile(r"[\W_]+")


def _shingles(s: str, k: int) -> frozenset[str]:
    return frozenset(s[i : i + k] for i in range(max(len(s) - k + 1, 1)))


def naive_pairs(titles: list[str], texts: list[str]) -> tuple[list[int], int]:
    """Every pair: exact Jaccard of title bigrams and text 4-grams; >= 0.6 joins the best
    earlier post's group. Returns (group per post, pairs compared)."""
    sets = []
    for t, x in zip(titles, texts, strict=True):
        t, x = _STRIP.sub("", t), _STRIP.sub("", x)
        sets.append((_shingles(t, 2), _shingles(x, 4) if len(x) >= 30 else frozenset()))
    groups: list[int] = []
    compared = 0
    for i, (ti, xi) in enumerate(sets):
        best, best_score = i, 0.0
        for j in range(i):
            compared += 1
            tj, xj = sets[j]
            score = len(ti & tj) / (len(ti | tj) or 1)
            if xi and xj:
                score = max(score, len(xi & xj) / len(xi | xj))
            if score >= 0.6 and score > best_score:
                best, best_score = groups[j], score
        groups.append(best)
    return groups, compared


def child_naive_pairs(db: str) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    rows = list(conn.execute("SELECT url, title, text FROM posts ORDER BY published_at, id"))
    conn.close()
    started = time.perf_counter()
    groups, compared = naive_pairs([r[1] for r in rows], [r[2] for r in rows])
    wall = time.perf_counter() - started
    print(json.dumps({"wall": wall, "peak": peak_rss_mib(), "posts": len(rows), "compared": compared,
                      "groups": dict(zip([r[0] for r in rows], groups, strict=True))}))


# ====================================================================== scoring


def pair_scores(groups: list, stories: list[int]) -> tuple[float, float, int, int]:
    """Pairwise (precision, recall, predicted pairs, true pairs) of a grouping vs story ids."""
    def pairs(counter: Counter) -> int:
        return sum(c * (c - 1) // 2 for c in counter.values())

    predicted, true = pairs(Counter(groups)), pairs(Counter(stories))
    correct = pairs(Counter(zip(groups, stories, strict=True)))
    return (correct / predicted if predicted else 1.0), (correct / true if true else 1.0), predicted, true


def reprint_recall(posts: list[Post], group_of: dict[int, object]) -> dict[str, tuple[int, int]]:
    """Per kind of copy: (copies whose original is grouped too, of those in its group)."""
    out: dict[str, list[int]] = {}
    for p in posts:
        if not p.kind.startswith("reprint") or p.id not in group_of or p.story not in group_of:
            continue
        entry = out.setdefault(p.kind[8:], [0, 0])
        entry[0] += 1
        entry[1] += group_of[p.id] == group_of[p.story]
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}


# ====================================================================== main


def build(path: Path, posts: list[Post]) -> tuple[float, int]:
    from yuqing.store import Store

    started = time.perf_counter()
    with Store(path) as store:
        saved = save_posts(store, posts)
    return time.perf_counter() - started, saved


def truncate_copy(source: Path, target: Path, before: datetime) -> int:
    """A copy of a built store keeping only posts published before `before` (the first days)."""
    import sqlite3

    shutil.copyfile(source, target)
    conn = sqlite3.connect(target)
    with conn:
        conn.execute("DELETE FROM observations WHERE post_id IN (SELECT id FROM posts WHERE published_at >= ?)",
                     [iso(before)])
        conn.execute("DELETE FROM sightings WHERE post_id IN (SELECT id FROM posts WHERE published_at >= ?)",
                     [iso(before)])
        conn.execute("DELETE FROM posts WHERE published_at >= ?", [iso(before)])
        # The search index is contentless (m018): rows cannot be picked out, and grading never
        # reads it, so the copy simply has none.
        conn.execute("INSERT INTO post_search (post_search) VALUES ('delete-all')")
    kept = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    conn.close()
    return kept


def events_by_url(db: Path) -> dict[str, int]:
    import sqlite3

    conn = sqlite3.connect(db)
    rows = dict(conn.execute("SELECT url, event_id FROM posts WHERE event_id IS NOT NULL"))
    conn.close()
    return rows


def title_clashes(posts: list[Post], days: float = 7.0) -> int:
    """Pairs of different stories with the very same title within `days` (ambiguous by title)."""
    last: dict[str, list[tuple[float, int]]] = {}
    clashes = 0
    for p in posts:
        if len(p.title) < 8:
            continue
        ts = p.at.timestamp()
        seen = last.setdefault(p.title, [])
        clashes += sum(1 for t, story in seen if ts - t <= days * 86400 and story != p.story)
        seen.append((ts, p.story))
    return clashes


def quality(posts: list[Post], grouped_by_url: dict[str, object]) -> tuple[tuple, dict, int]:
    """((precision, recall, grouped pairs, true pairs), copies by kind, posts scored)."""
    group_of = {p.id: grouped_by_url[p.url] for p in posts if p.url in grouped_by_url}
    ids = sorted(group_of)
    by_id = {p.id: p for p in posts}
    scores = pair_scores([group_of[i] for i in ids], [by_id[i].story for i in ids])
    return scores, reprint_recall(posts, group_of), len(ids)


def wrong_pairs(posts: list[Post], grouped_by_url: dict[str, object], days: float) -> tuple[int, int]:
    """(same-group pairs of different stories, of them more than `days` apart)."""
    members: dict[object, list[Post]] = {}
    for p in posts:
        if p.url in grouped_by_url:
            members.setdefault(grouped_by_url[p.url], []).append(p)
    wrong = far = 0
    for group in members.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a.story != b.story:
                    wrong += 1
                    far += abs((a.at - b.at).total_seconds()) > days * 86400
    return wrong, far


def _rate(count: float, wall: float) -> str:
    return f"{count / wall:,.0f}" if wall > 0 else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=800,
                        help="posts for the naive pairwise baseline (the first N topic-matched posts)")
    parser.add_argument("--days", type=float, default=60.0, help="days the posts are spread over")
    parser.add_argument("--shares", default="0.05,0.15",
                        help="scaling points: update_events on the first SHARE of the days (the first"
                        " one is also profiled)")
    parser.add_argument("--timeout", type=float, default=100.0,
                        help="seconds before the full-size update_events child is killed")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile update_events at the scaling point even on PASS")
    parser.add_argument("--no-profile", action="store_true", help="never profile")
    parser.add_argument("--keep", type=Path, help="keep the databases in this directory")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    shares = sorted(float(x) for x in args.shares.split(",") if x.strip())
    if args.child:
        kind, *rest = args.child
        {"update": child_update, "naive-grade": child_naive_grade,
         "naive-pairs": child_naive_pairs}[kind](*rest)
        return 0

    bench_started = time.perf_counter()
    print(f"grade_bench: {machine_line()}; yuqing from {ROOT}")
    started = time.perf_counter()
    posts = list(iter_posts(args.posts, seed=args.seed, days=args.days))
    generated = time.perf_counter() - started
    kinds = Counter(p.kind.split(":")[0] for p in posts)
    chars = sum(len(p.title) + len(p.text) for p in posts) / max(len(posts), 1)
    print(f"generated {len(posts):,} posts in {generated:.1f} s over {args.days:g} days: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items()))
          + f"; {chars:.0f} characters a post; {title_clashes(posts):,} pairs of different stories"
          " share one exact title within 7 days")

    from yuqing.grade import match_topics
    from yuqing.rules import load_rules

    tmp = Path(tempfile.mkdtemp(prefix="grade-bench-"))
    work = args.keep or tmp
    work.mkdir(parents=True, exist_ok=True)
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    try:
        rules_path = work / "rules.toml"
        rules_path.write_text(monitored_rules_text(), encoding="utf-8")
        rules = load_rules(rules_path)
        matched_posts = [p for p in posts if match_topics(f"{p.title}\n{p.text}", rules.topics)]
        now = iso(posts[-1].at + timedelta(hours=1))
        for leftover in work.glob("*.db*"):
            leftover.unlink()

        db = work / "full.db"
        insert_wall, saved = build(db, posts)
        pristine = work / "pristine.db"
        shutil.copyfile(db, pristine)
        db_mib = db.stat().st_size / 2**20
        print(f"inserted {saved:,} posts through Store.save_items in {insert_wall:.1f} s"
              f" ({saved / insert_wall:,.0f} posts/s); database {db_mib:.0f} MiB;"
              f" {len(matched_posts):,} posts match the topic", flush=True)

        def step(label: str, argv: list[str], timeout: float = CHILD_TIMEOUT) -> dict:
            print(f"  {label} ...", end="", flush=True)
            wall, data, err = run_child(argv, timeout=timeout)
            data.setdefault("wall", wall)
            print(f" {wall:.1f} s" + (f" ({data['error']})" if "error" in data else ""), flush=True)
            if "error" in data and not data.get("killed") and err:
                print(err[-2000:])
            return data

        full = step(f"yuqing update_events, all {len(posts):,} posts",
                    [*me, "update", str(db), str(rules_path), now, ""], args.timeout)

        ladder = []  # (share, posts, db, result)
        for share in shares:
            cut = posts[0].at + timedelta(days=args.days * share)
            part_posts = [p for p in posts if p.at < cut]
            part_db = work / f"part-{share:g}.db"
            truncate_copy(pristine, part_db, cut)
            if not ladder:
                part_profile_db = work / "part-profiled.db"
                shutil.copyfile(part_db, part_profile_db)
            part = step(f"yuqing update_events, first {share:.0%} of the days ({len(part_posts):,} posts)",
                        [*me, "update", str(part_db), str(rules_path), now, ""])
            ladder.append((share, part_posts, part_db, part))

        naive = step(f"baseline: naive keyword grading, {len(posts):,} posts",
                     [*me, "naive-grade", str(pristine), str(rules_path)])

        subset = matched_posts[: args.naive]
        small_db = work / "subset.db"
        build(small_db, subset)
        small = step(f"yuqing update_events, first {len(subset):,} matched posts",
                     [*me, "update", str(small_db), str(rules_path), now, ""])
        pairs = step(f"baseline: naive pairwise, same {len(subset):,} posts",
                     [*me, "naive-pairs", str(small_db)])

        full_ok = "error" not in full
        passed = full_ok and full["wall"] <= 20.0 and full["peak"] * 2**20 <= 500e6
        profile_text = ""
        if not args.no_profile and (args.profile or not passed):
            prof = step(f"profile: update_events under cProfile, {len(ladder[0][1]):,} posts",
                        [*me, "update", str(part_profile_db), str(rules_path), now, "1"])
            profile_text = prof.get("stdout", "") or prof.get("error", "")

        last = max((entry for entry in ladder if "error" not in entry[3]), key=lambda e: e[0], default=None)
        if full_ok or last is None:
            scored_posts, scored_db, scored_label = posts, db, "all"
        else:
            scored_posts, scored_db, scored_label = last[1], last[2], f"first {last[0]:.0%} of the days"
        scored_groups = events_by_url(scored_db)
        (precision, recall, predicted, true), copies, n_scored = quality(scored_posts, scored_groups)
        wrong, far = wrong_pairs(scored_posts, scored_groups, rules.event_window_days)
        window_days = rules.event_window_days
        (p_small, r_small, _, _), _, _ = quality(subset, events_by_url(small_db))
        naive_groups = pairs.get("groups", {})
        (p_naive, r_naive, _, _), _, _ = quality(subset, naive_groups)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # with --keep it stayed empty: the work is in KEEP

    n = len(posts)
    n_pairs = max(pairs.get("posts", 1), 1)
    scale = (n / n_pairs) ** 2
    pairs_wall = pairs.get("wall", 0.0)
    def cpu(d: dict) -> str:
        return f"{d.get('cpu', 0):.2f}"

    def detail(d: dict) -> tuple:
        per_post = d.get("compared", 0) / max(d.get("matched", 0), 1)
        return (f"  {d.get('matched', 0):,} matched, {d.get('new_events', 0):,} events, {d.get('graded', 0):,}"
                f" graded; {d.get('compared', 0):,} candidates in the window = {per_post:,.1f} per matched"
                f" post, {d.get('verified', 0):,} fully verified", "", "", "", "", "", "")

    def tree(d: dict) -> str:
        return f"{d['tree']:.0f}" if d.get("tree") else ""

    if full_ok:
        full_rows = [(f"yuqing update_events, {n:,} posts", f"{full['wall']:.2f}", cpu(full), f"{full['peak']:.0f}",
                      tree(full), f"{full['analysed']:,}", _rate(full["analysed"], full["wall"])), detail(full)]
    else:
        full_rows = [(f"yuqing update_events, {n:,} posts: {full['error']}", f">{full['wall']:.0f}", cpu(full),
                      f">={full['peak']:.0f}", tree(full), "-", "-"),
                     ("  (not finished; the rows below show how the time grows with the posts)",
                      "", "", "", "", "", "")]
    rows = list(full_rows)
    for share, _, _, part in ladder:
        rows += [(f"yuqing update_events, first {share:.0%} of the days", f"{part.get('wall', 0):.2f}", cpu(part),
                  f"{part.get('peak', 0):.0f}", tree(part), f"{part.get('analysed', 0):,}",
                  _rate(part.get("analysed", 0), part.get("wall", 0))), detail(part)]
    rows += [
        (f"yuqing update_events, first {len(subset):,} matched posts", f"{small.get('wall', 0):.2f}", cpu(small),
         f"{small.get('peak', 0):.0f}", tree(small), f"{small.get('analysed', 0):,}",
         _rate(small.get("analysed", 0), small.get("wall", 0))),
        (f"baseline: naive `in` grading, {naive.get('keywords', 0)} keywords a post",
         f"{naive.get('wall', 0):.2f}", "", f"{naive.get('peak', 0):.0f}", "", f"{naive.get('posts', 0):,}",
         _rate(naive.get("posts", 0), naive.get("wall", 0))),
        ("  (+ reading the posts from SQLite first)", f"{naive.get('read', 0):.2f}", "", "", "", "", ""),
        (f"baseline: naive pairwise, first {n_pairs:,} matched posts", f"{pairs_wall:.2f}", "",
         f"{pairs.get('peak', 0):.0f}", "", f"{pairs.get('compared', 0):,} pairs", _rate(n_pairs, pairs_wall)),
        (f"baseline: naive pairwise, {n:,} posts: EXTRAPOLATED x{scale:,.0f} (O(n²)), not run",
         f"~{pairs_wall * scale:,.0f}", "", "", "", f"~{n * (n - 1) // 2:,} pairs",
         f"~{n / max(pairs_wall * scale, 1e-9):,.1f}"),
        (f"(setup) Store.save_items, {saved:,} posts, one batch per source and day",
         f"{insert_wall:.2f}", "", "", "", f"{saved:,}", _rate(saved, insert_wall)),
    ]
    print()
    print_table(("what", "wall s", "cpu s", "peak MiB", "tree MiB", "count", "per second"), rows)
    print("  wall s: the timed call inside the child (baselines: their loop only); cpu s: user+sys of the"
          " whole child process and its workers, start-up included")
    print("  peak MiB: the child's own VmHWM (interpreter, modules and the posts it loads included)"
          + (f"; the full-size child held {full['loaded']:.0f} MiB before update_events" if full_ok else ""))
    print("  tree MiB: peak PSS of the child and its worker processes together, sampled every 0.5 s"
          " (update_events starts workers from 20,000 pending posts)")
    print(f"  load average {os.getloadavg()[0]:.2f} at the end (2 cores: above ~2 other work"
          " competed with the measurements)")
    print()
    print("grouping quality (pairwise, against the generator's story ids, topic-matched posts only)")
    print_table(("grouping", "posts", "precision", "recall", "grouped pairs", "true pairs"), [
        (f"yuqing, {scored_label} ({n_scored:,} grouped posts)", f"{n_scored:,}", f"{precision:.3f}",
         f"{recall:.3f}", f"{predicted:,}", f"{true:,}"),
        (f"yuqing, first {len(subset):,} matched posts", f"{len(subset):,}", f"{p_small:.3f}",
         f"{r_small:.3f}", "", ""),
        (f"naive pairwise (Jaccard >= 0.6), same {len(subset):,}", f"{len(subset):,}",
         f"{p_naive:.3f}", f"{r_naive:.3f}", "", ""),
    ])
    print(f"  of yuqing's {wrong:,} same-event pairs of different stories, {far:,} are more than"
          f" {window_days:g} days apart ([events] window_days); the corpus has {title_clashes(posts):,}"
          " pairs of different stories with one exact title within 7 days")
    print()
    print(f"known reprint pairs: copy in the same event as its original (yuqing, {scored_label})")
    total = sum(v[0] for v in copies.values())
    hit = sum(v[1] for v in copies.values())
    copy_rows = [(kind, f"{t:,}", f"{h:,}", f"{h / t:.3f}" if t else "-") for kind, (t, h) in copies.items()]
    copy_rows.append(("all copies", f"{total:,}", f"{hit:,}", f"{hit / total:.3f}" if total else "-"))
    print_table(("kind of copy", "pairs", "same event", "recall"), copy_rows)
    if profile_text:
        print()
        print(f"profile: update_events on the first {shares[0]:.0%} of the days under cProfile"
              " (slower than unprofiled)")
        print(profile_text)
    print()
    print("targets")
    if full_ok:
        print(f"  {verdict(full['wall'] <= 20.0)}  group and grade {n:,} posts in {full['wall']:.2f} s <= 20 s")
        whole = max(full["peak"], full.get("tree", 0))
        print(f"  {verdict(whole * 2**20 <= 500e6)}  peak memory {whole:.0f} MiB ({whole * 2**20 / 1e6:.0f} MB)"
              " <= 500 MB (the larger of the child's VmHWM and its tree's PSS)")
        print(f"  info  naive `in` grading alone takes {naive.get('wall', 0):.2f} s; naive pairwise would"
              f" take ~{pairs_wall * scale:,.0f} s (extrapolated)")
    else:
        print(f"  FAIL  group and grade {n:,} posts <= 20 s: not finished after {full['wall']:.0f} s (killed)")
        print(f"  FAIL  peak RSS <= 500 MB: unknown (>= {full['peak']:.0f} MiB when killed)")
    print(f"\nbench took {time.perf_counter() - bench_started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
