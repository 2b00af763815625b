#!/usr/bin/env python3
"""Builds the labelled report stream for tests/eval (python3 standard library only).

    gen_stream.py SHARED_DATA_DIR OUT_DIR [--reports N] [--ham N] [--seed S] [--zh-share F]

Writes OUT_DIR/stream.jsonl (one report a line: {"seq", "tpl", "fam", "lang", "kind", "body"},
"body" being exactly the JSON posted to POST /v1/reports) and OUT_DIR/templates.json (every
template with its language, source, family and base texts), and prints a summary.

Ground truth
------------
* English spam: SMishTank's MainText (all smishing), UCI SMS Spam Collection `spam`, Mendeley
  (Mishra & Soni) `spam` and `smishing`. The corpora overlap (Mendeley re-uses UCI) and repeat
  campaigns, so texts are merged into templates by a conservative rule:
    key(text) = NFKC, lower-case, URLs -> "U", e-mails -> "E", phone-like digit runs (>= 10
    digits) -> "P", every other digit run -> "9", anything not a letter/digit -> one space;
    two texts are one template when their keys are equal, or when the Jaccard similarity of
    their keys' character 4-gram sets is >= 0.8 (near-identical: a changed word or two);
    transitively (union-find). A looser "family" level (Jaccard >= 0.5) is kept as a
    secondary truth, to show how much of a precision loss is between near-relatives.
  A template keeps all of its corpus variants; each report picks one at random.
* URLs, e-mail addresses and call-back numbers of the corpus text are placeholders: every
  report gets the template's own rotated values (see "mutations"), so two templates never
  share an indicator only because the corpus happened to reuse a spammer's number or domain.
* Ham (UCI and Mendeley `ham`) is noise: each distinct ham text is posted once, as its own
  singleton template. Hams of one family (Jaccard >= 0.5: "I will come tomorrow di" / "... my
  dear") collapse to one, since nothing could tell them from a small campaign; ham within the
  family threshold of a spam text (labels disagree between the corpora) is dropped.
* Chinese: 48 templates written for this harness (gambling 博彩/彩金, fake invoices 代开发票,
  purchasing agents 代购, porn), Chinese script with no spaces, each a different offer with
  its own handle/URL/number. No two of them reach the family threshold (checked here).

Mutations (per report, each with its own probability): random prefix/suffix (codes, names,
opt-out lines), then, outside the links, zero-width characters (U+200B..U+200D, U+FEFF), homoglyphs (Cyrillic а е о р
с у х, Greek ο), full-width forms (U+FF01..U+FF5E), case and spacing changes. Links rotate per
template in one of four modes: one domain with a new path per copy, a pool of 3-8 domains,
a new domain per copy, or a shortener link per copy. Call-back numbers rotate: one number,
a pool of 2-6, or a new one per copy, each printed in varying formats. Senders: a throwaway
phone per report (E.164 or national format, sometimes reused from a small per-template pool)
or an e-mail / Apple ID over iMessage. Cities rotate over US metros (English) or Chinese
cities (Chinese) in varying spellings; reporters are distinct subscriber numbers.
Links are left intact by the character-level mutations (a homoglyph, zero-width or full-width
character inside a link breaks it, so spammers do not), except in --link-mutation (0.1) of the
copies, which stand for hostile or mangled copies; 1.0 mutates every link.
"""
import argparse
import csv
import json
import math
import os
import random
import re
import sys
import unicodedata

csv.field_size_limit(10 * 1024 * 1024)

# --------------------------------------------------------------------------------------------
# Text keys and near-duplicate detection (ground truth)

TLDS = (r"com|net|org|info|biz|us|uk|co|io|me|ly|top|xyz|site|online|club|live|app|link|"
        r"ru|cn|cc|tk|ml|ga|cf|gq|ws|in|de|eu|tv|mobi|shop|store|vip|win|icu|pw|buzz|click|"
        r"support|help|services|today|cloud|life|world|fun|space|tech|website|page|net\.cn|"
        r"com\.cn|co\.uk|org\.uk|gov")
URL_RE = re.compile(
    r"(?:(?:h(?:tt|xx)ps?://|www\.)[^\s<>\"]+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,6}/[^\s<>\"]*"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:%s)\b)" % TLDS, re.I)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE_RE = re.compile(r"(?<![\w])\+?\d(?:[\s().-]{0,2}\d){9,14}(?![\w])")
DIGITS_RE = re.compile(r"\d+")


def phone_digits(s):
    return re.sub(r"\D", "", s)


def text_key(t):
    t = unicodedata.normalize("NFKC", t).lower()
    t = URL_RE.sub(" U ", t)
    t = EMAIL_RE.sub(" E ", t)
    t = PHONE_RE.sub(lambda m: " P " if len(phone_digits(m.group(0))) >= 10 else m.group(0), t)
    t = DIGITS_RE.sub("9", t)
    t = "".join(ch if ch.isalnum() else " " for ch in t)
    return " ".join(t.split())


def shingles(key, n=4):
    k = key if len(key) >= n else key + " " * (n - len(key))
    return frozenset(k[i:i + n] for i in range(len(k) - n + 1))


def jaccard(a, b):
    if not a or not b:
        return 0.0
    i = len(a & b)
    return i / (len(a) + len(b) - i)


def similar_pairs(sets, t):
    """All pairs (i, j, J) with Jaccard >= t, by prefix filtering (exact)."""
    freq = {}
    for s in sets:
        for g in s:
            freq[g] = freq.get(g, 0) + 1
    order = [sorted(s, key=lambda g: (freq[g], g)) for s in sets]
    index = {}
    out = []
    for i, toks in enumerate(order):
        n = len(toks)
        if n == 0:
            continue
        plen = n - math.ceil(t * n) + 1
        cands = set()
        for g in toks[:plen]:
            lst = index.get(g)
            if lst:
                cands.update(lst)
            index.setdefault(g, []).append(i)
        for j in cands:
            a, b = sets[i], sets[j]
            if min(len(a), len(b)) < t * max(len(a), len(b)):
                continue
            jj = jaccard(a, b)
            if jj >= t:
                out.append((j, i, jj))
    return out


class UF:
    def __init__(self, n):
        self.p = list(range(n))

    def find(self, x):
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            self.p[max(a, b)] = min(a, b)


# --------------------------------------------------------------------------------------------
# Corpora

def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def load_corpora(data):
    spam, ham = [], []  # (source, text)
    import io
    st = csv.DictReader(io.StringIO(read_text(os.path.join(data, "smishtank.csv")), newline=""))
    for row in st:
        t = (row.get("MainText") or "").strip() or (row.get("Fulltext") or "").strip()
        if t:
            spam.append(("smishtank", " ".join(t.split())))
    for line in read_text(os.path.join(data, "SMSSpamCollection")).splitlines():
        if "\t" not in line:
            continue
        lab, t = line.split("\t", 1)
        t = " ".join(t.split())
        if not t:
            continue
        (spam if lab == "spam" else ham).append(("uci", t))
    md = csv.DictReader(io.StringIO(read_text(os.path.join(data, "mendeley_smishing_mishra_soni_5971.csv")),
                                    newline=""))
    for row in md:
        lab = (row.get("LABEL") or "").strip().lower()
        t = " ".join((row.get("TEXT") or "").split())
        if not t:
            continue
        if lab in ("spam", "smishing"):
            spam.append(("mendeley", t))
        elif lab == "ham":
            ham.append(("mendeley", t))
    return spam, ham


# --------------------------------------------------------------------------------------------
# Chinese templates (written for this harness). {U} URL, {P} call-back number, {Q} QQ number,
# {W} WeChat id: each template gets its own values.

ZH_TEMPLATES = [
    # 博彩 / 彩金 (gambling)
    ("gambling", "澳门葡京娱乐城上线啦，首存100送38元彩金，每日流水返水1.2%，注册即送体验金，官网{U}"),
    ("gambling", "【金沙国际】老会员回归福利：充值即送彩金888元，百家乐龙虎斗真人荷官在线发牌，提款秒到账，登录{U}"),
    ("gambling", "新葡京体育世界杯竞猜火热进行中，单场最高赔率9.8倍，输了包赔，首充双倍彩金，加微信{W}领取"),
    ("gambling", "威尼斯人棋牌邀您来战，斗地主炸金花牛牛随时开局，新人注册送18元，邀请好友再拿66元，下载{U}"),
    ("gambling", "时时彩北京赛车专业计划群，导师一对一带单，稳赚不赔日入三千，名额有限速加QQ{Q}"),
    ("gambling", "恭喜您获得永利皇宫VIP资格，本周存款即享百分之五十加赠，彩金无上限，联系专属客服{P}"),
    ("gambling", "六合彩内部资料泄露，特码包中，已有上万彩民翻身致富，看资料请访问{U}"),
    ("gambling", "亚洲第一线上赌场开业大酬宾，老虎机电子游艺天天送免费旋转，首次提现无需流水，网址{U}"),
    ("gambling", "银河娱乐：尊敬的会员，您的账户有一笔5888元彩金待领取，过期作废，请尽快登录{U}核对"),
    ("gambling", "足球篮球电竞全场景投注平台，支持支付宝微信USDT充值，出款快人人都能赢，推广码{Q}，客服微信{W}"),
    ("gambling", "捕鱼达人真钱版来了，一炮打中黄金鲨赢万倍奖金，下载即送300金币，戳{U}"),
    ("gambling", "幸运飞艇五分钟一期，跟着大神下注胜率百分之九十，亏损全额补偿，详情致电{P}"),
    # 代开发票 (fake invoices)
    ("invoice", "本公司可代开全国各地增值税专用发票、普通发票，税点低，可先验票后付款，联系电话{P}"),
    ("invoice", "您好！我司长期代开餐饮、住宿、会议费、运输费发票，真票可查，量大从优，微信{W}"),
    ("invoice", "深圳某贸易公司有多余进项额度，可开17%增值税专票，点数面议，需要请加QQ{Q}"),
    ("invoice", "【财税服务】专业代办各类发票，建筑工程、劳务费、广告费均可开具，网上可查验，详询{P}"),
    ("invoice", "年底冲账找我们，各种票据齐全，机打发票定额发票出租车票均有，欢迎来电{P}洽谈"),
    ("invoice", "代开正规发票，保真可上网查询，全国包邮送货上门，诚信经营十年老店，客服微信{W}"),
    ("invoice", "公司财务报销难？我们提供办公用品、咨询服务、技术服务类发票，一点五个点起开，详情看{U}"),
    ("invoice", "诚招各地企业合作开票，海关缴款书、农产品收购发票、出口退税单据，保证安全，联系人李经理{P}"),
    ("invoice", "老板您好，本月还有一批增值税普票额度，开完即止，需要的抓紧，加{W}备注开票"),
    ("invoice", "专业办理医疗器械、建材、钢材发票，税率优惠，一条龙财税服务，查看报价{U}"),
    ("invoice", "急需发票的朋友看过来：当天开票当天寄出，顺丰到付，税点全网最低，QQ{Q}"),
    ("invoice", "各类行业发票代开，验证后付款，绝无风险，另有会计做账、工商注册业务，电话{P}王会计"),
    # 代购 (purchasing agents)
    ("agent", "香港专柜正品代购，LV、Gucci、香奈儿包包全场三折起，支持验货，加微信{W}看实拍"),
    ("agent", "日本药妆直邮代购，资生堂、SK-II神仙水、小林制药低至半价，拼单满300包邮，店铺{U}"),
    ("agent", "韩国免税店代购到货啦，雪花秀、后、兰芝套装限量抢，私聊QQ{Q}"),
    ("agent", "澳洲奶粉代购，a2、爱他美原装进口，一箱六罐直邮到家，宝妈专享价，咨询{P}"),
    ("agent", "欧洲奢侈品海外代购，劳力士欧米茄手表专柜同款，支持全球联保，详询微信{W}"),
    ("agent", "美国保健品代购，维骨力、鱼油、褪黑素一手货源，代理招募中，零门槛一件代发，{U}"),
    ("agent", "高仿名牌手表包包一比一复刻，细节做工对比专柜，原单尾货清仓，看货加{W}"),
    ("agent", "泰国乳胶枕乳胶床垫工厂直供代购，买二送一，货到付款，订购热线{P}"),
    ("agent", "苹果新品港版代购，iPhone比官网便宜一千，全新未激活可验机，下单{U}"),
    ("agent", "德国双立人刀具锅具代购，海外仓直发，假一赔十，老客户返现，QQ{Q}"),
    ("agent", "免税香烟洋酒代购，中华软包、茅台飞天批发零售，量大价优，电话{P}"),
    ("agent", "台湾凤梨酥牛轧糖零食代购，正宗伴手礼，团购十盒起九折，微信号{W}"),
    # 色情 (porn)
    ("porn", "寂寞了吗？同城美女上门服务，学生模特空姐任选，安全私密，加QQ{Q}约"),
    ("porn", "最新成人视频免费在线看，无码高清每日更新，无需注册直接观看{U}"),
    ("porn", "附近有一位单身少妇想认识你，她发来了私密照片，点击查看{U}"),
    ("porn", "高端会所招聘男公关，日结工资三千到五千，包吃住，联系{W}"),
    ("porn", "深夜福利直播间，美女主播一对一视频聊天，充值即送金币，下载{U}"),
    ("porn", "兼职女大学生在线陪聊，按摩桑拿全套服务，价格公道，预约热线{P}"),
    ("porn", "看片神器APP上线，日韩欧美各类资源应有尽有，邀请码{Q}，官网{U}"),
    ("porn", "私人定制约会平台，已婚人士专属交友，保护隐私绝不泄露，立即注册{U}"),
    ("porn", "情趣用品成人玩具商城大促销，隐私包装发货，满99减50，进店{U}"),
    ("porn", "裸聊交友群火热招人，真人实名认证，进群费八十八元，加微信{W}"),
    ("porn", "酒店特殊服务预订，全城二十分钟送达，先服务后付款，老顾客八折，{P}"),
    ("porn", "色情漫画小说合集打包下载，全网独家资源，付费九块九永久会员，{U}"),
]

# --------------------------------------------------------------------------------------------
# Places, names, numbers

US_CITIES = [
    ("New York", ["New York", "new york", "NYC", "New York, NY", "new york city", "Manhattan"]),
    ("Los Angeles", ["Los Angeles", "los angeles, ca", "LA", "Los Angeles CA"]),
    ("Chicago", ["Chicago", "chicago", "Chicago, IL", "CHICAGO"]),
    ("Houston", ["Houston", "houston, tx", "Houston TX"]),
    ("Phoenix", ["Phoenix", "phoenix, az"]),
    ("Philadelphia", ["Philadelphia", "Philly", "philadelphia, pa"]),
    ("San Antonio", ["San Antonio", "san antonio tx"]),
    ("San Diego", ["San Diego", "san diego, CA"]),
    ("Dallas", ["Dallas", "dallas, texas"]),
    ("San Jose", ["San Jose", "san jose ca"]),
    ("Miami", ["Miami", "miami, fl", "Miami FL"]),
    ("Atlanta", ["Atlanta", "atlanta, ga"]),
    ("Seattle", ["Seattle", "seattle, wa"]),
    ("Boston", ["Boston", "boston, ma"]),
    ("Denver", ["Denver", "denver co"]),
    ("Washington", ["Washington, DC", "washington dc", "DC"]),
]
US_WEIGHTS = [20, 12, 9, 7, 5, 5, 3, 3, 5, 3, 5, 5, 4, 4, 3, 4]
CN_CITIES = [
    ("Shenzhen", ["深圳", "深圳市", "Shenzhen", "shenzhen"]),
    ("Guangzhou", ["广州", "广州市", "Guangzhou"]),
    ("Shanghai", ["上海", "上海市", "Shanghai"]),
    ("Beijing", ["北京", "北京市", "Beijing", "Peking"]),
    ("Dongguan", ["东莞", "东莞市", "Dongguan"]),
    ("Chengdu", ["成都", "成都市", "Chengdu"]),
    ("Hangzhou", ["杭州", "杭州市", "Hangzhou"]),
    ("Wuhan", ["武汉", "武汉市", "Wuhan"]),
]
CN_WEIGHTS = [20, 16, 14, 12, 8, 6, 6, 5]
US_AREA = ["212", "646", "718", "917", "213", "310", "323", "312", "773", "713", "832", "602",
           "215", "210", "619", "214", "408", "305", "404", "206", "617", "303", "202", "872",
           "806", "469", "702", "415"]
CN_MOBILE = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155",
             "156", "158", "159", "176", "177", "180", "182", "185", "186", "187", "188", "189"]
FIRST = ["Daniel", "Maria", "James", "Linda", "Robert", "Karen", "Kevin", "Jessica", "Brian",
         "Ashley", "Eric", "Nicole", "Jason", "Emily", "Tyler", "Megan", "Carlos", "Sofia"]
ZH_NAMES = ["王先生", "李女士", "张总", "刘经理", "陈小姐", "杨老板", "赵先生", "黄女士", "周总", "吴经理"]
MAIL_DOMAINS = ["gmail.com", "icloud.com", "yahoo.com", "outlook.com", "aol.com", "me.com"]
SHORTENERS = ["bit.ly", "tinyurl.com", "t.co", "is.gd", "rb.gy", "cutt.ly"]
SPAM_TLDS = ["com", "top", "xyz", "info", "site", "online", "club", "live", "vip", "cc", "icu", "shop"]

ZW = ["\u200b", "\u200c", "\u200d", "\ufeff"]
HOMO = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х",
        "A": "А", "E": "Е", "O": "О", "P": "Р", "C": "С", "X": "Х"}
GREEK_O = "ο"


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def letters(self, n, alphabet="abcdefghijklmnopqrstuvwxyz"):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def alnum(self, n):
        return self.letters(n, "abcdefghijkmnpqrstuvwxyz23456789")

    def domain(self):
        r = self.r
        style = r.random()
        if style < 0.4:
            name = self.letters(r.randint(5, 9))
        elif style < 0.7:
            name = self.letters(r.randint(3, 6)) + "-" + self.letters(r.randint(3, 7))
        else:
            name = self.letters(r.randint(3, 6)) + str(r.randint(10, 999))
        return name + "." + r.choice(SPAM_TLDS)

    def path(self):
        r = self.r
        return "/" + r.choice(["", "r/", "t/", "u/", "p/", "?c="]) + self.alnum(r.randint(4, 9))

    def us_number(self):
        r = self.r
        return r.choice(US_AREA) + str(r.randint(2, 9)) + "%02d" % r.randint(0, 99) + "%04d" % r.randint(0, 9999)

    def cn_number(self):
        return self.r.choice(CN_MOBILE) + "%08d" % self.r.randint(0, 99999999)

    def fmt_us(self, n):
        r = self.r.random()
        if r < 0.3:
            return "+1" + n
        if r < 0.5:
            return "(%s) %s-%s" % (n[:3], n[3:6], n[6:])
        if r < 0.65:
            return "%s.%s.%s" % (n[:3], n[3:6], n[6:])
        if r < 0.8:
            return "%s-%s-%s" % (n[:3], n[3:6], n[6:])
        if r < 0.9:
            return "1-%s-%s-%s" % (n[:3], n[3:6], n[6:])
        return n

    def fmt_cn(self, n):
        r = self.r.random()
        if r < 0.35:
            return "+86" + n
        if r < 0.55:
            return "%s %s %s" % (n[:3], n[3:7], n[7:])
        if r < 0.7:
            return "%s-%s-%s" % (n[:3], n[3:7], n[7:])
        if r < 0.8:
            return "+86 %s %s %s" % (n[:3], n[3:7], n[7:])
        return n

    def like_number(self, orig):
        """A new number in the style of a corpus number: same prefix, same length."""
        d = phone_digits(orig)
        if len(d) == 10 or (len(d) == 11 and d[0] == "1"):
            return ("us", self.us_number())
        keep = 4 if d.startswith("0") else 2
        return ("raw", d[:keep] + "".join(str(self.r.randint(0, 9)) for _ in range(len(d) - keep)))


# --------------------------------------------------------------------------------------------
# Templates

def templatize(text):
    """Corpus text -> text with {U}, {E}, {P} placeholders and the original phone styles."""
    phones = []

    def ph(m):
        if len(phone_digits(m.group(0))) >= 10:
            phones.append(m.group(0))
            return "{P%d}" % (len(phones) - 1)
        return m.group(0)

    t = text.replace("{", "(").replace("}", ")")
    t = URL_RE.sub("{U}", t)
    t = EMAIL_RE.sub("{E}", t)
    t = PHONE_RE.sub(ph, t)
    return t, phones


class Template:
    def __init__(self, tid, lang, kind, source, variants, category=""):
        self.id = tid
        self.lang = lang
        self.kind = kind
        self.source = source
        self.variants = variants  # list of (placeholder text, [original phone strings])
        self.category = category
        self.family = tid


def make_values(g, t):
    r = g.r
    t.link_mode = r.choices(["path", "pool", "fresh", "short"], [40, 25, 25, 10])[0]
    t.domains = [g.domain() for _ in range(1 if t.link_mode == "path" else r.randint(3, 8))]
    t.phone_mode = r.choices(["one", "pool", "fresh"], [40, 35, 25])[0]
    if t.lang == "zh":
        base = [("cn", g.cn_number()) for _ in range(6)]
    else:
        base = [("us", g.us_number()) for _ in range(6)]
    t.phone_pool = base[:1] if t.phone_mode == "one" else base[:r.randint(2, 6)]
    t.email = g.letters(r.randint(5, 9)) + str(r.randint(1, 99)) + "@" + r.choice(MAIL_DOMAINS)
    t.qq = str(r.randint(10000000, 3999999999))
    t.wx = g.letters(r.randint(3, 6)) + r.choice(["_", "", "-"]) + str(r.randint(100, 99999))
    t.senders = []  # small per-template pool of reused throwaway senders


def render_phone(g, t, orig):
    if t.phone_mode == "fresh":
        kind, num = g.like_number(orig) if orig and t.lang == "en" else (
            ("cn", g.cn_number()) if t.lang == "zh" else ("us", g.us_number()))
    else:
        kind, num = g.r.choice(t.phone_pool)
        if orig and t.lang == "en":
            k2, _ = g.like_number(orig)
            if k2 == "raw":  # keep the corpus number's style (e.g. UK 0871...): fixed digits
                d = phone_digits(orig)
                keep = 4 if d.startswith("0") else 2
                num = d[:keep] + num[-(len(d) - keep):].rjust(len(d) - keep, "7")
                kind = "raw"
    if kind == "us":
        return g.fmt_us(num)
    if kind == "cn":
        return g.fmt_cn(num)
    return num


def render_url(g, t):
    r = g.r
    if t.link_mode == "short":
        u = r.choice(SHORTENERS) + "/" + g.alnum(r.randint(5, 8))
    elif t.link_mode == "fresh":
        u = g.domain() + (g.path() if r.random() < 0.6 else "")
    else:
        u = r.choice(t.domains) + g.path()
    p = r.random()
    if p < 0.35:
        return "https://" + u
    if p < 0.45:
        return "http://" + u
    if p < 0.5:
        return "hxxps://" + u
    if p < 0.55:
        return u.replace(".", "[.]", 1)
    if p < 0.6:
        return "www." + u if not u.startswith(tuple(SHORTENERS)) else u
    return u


def fill(g, t, text, phones):
    text = text.replace("{U}", "\x00U").replace("{E}", "\x00E")
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\x00":
            k = text[i + 1]
            out.append("\x01" + (render_url(g, t) if k == "U" else t.email) + "\x02")
            i += 2
        elif text.startswith("{P", i) and text[i + 2:i + 3] != "}":
            j = text.index("}", i)
            idx = int(text[i + 2:j])
            out.append(render_phone(g, t, phones[idx] if idx < len(phones) else ""))
            i = j + 1
        elif text.startswith("{P}", i):
            out.append(render_phone(g, t, ""))
            i += 3
        elif text.startswith("{Q}", i):
            out.append(t.qq)
            i += 3
        elif text.startswith("{W}", i):
            out.append(t.wx)
            i += 3
        else:
            out.append(c)
            i += 1
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Mutations

def to_fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


def mutate(g, t, text, link_mutation):
    """Spammer-style variation of one copy. Links (marked \x01...\x02 by fill) keep working:
    character-level changes skip them, except in a `link_mutation` fraction of copies."""
    r = g.r
    zh = t.lang == "zh"
    prefix = suffix = ""
    if r.random() < 0.45:
        if zh:
            prefix = r.choice(["【%s】" % r.choice(["温馨提示", "会员通知", "尊享", "限时", "VIP"]),
                               r.choice(ZH_NAMES) + "您好，", "编号%d：" % r.randint(100, 99999),
                               "【%s】" % g.alnum(4).upper()])
        else:
            prefix = r.choice(["%s, " % r.choice(FIRST), "Hi %s! " % r.choice(FIRST),
                               "[%s] " % g.alnum(5).upper(), "Ref %d: " % r.randint(1000, 999999),
                               "%s: " % r.choice(FIRST).upper(), "FRM:%s " % g.alnum(6).upper()])
    if r.random() < 0.55:
        if zh:
            suffix = r.choice(["退订回T", "回TD退订", " %s" % g.alnum(r.randint(3, 6)),
                               "【%d】" % r.randint(1000, 9999), "（验证码%d）" % r.randint(1000, 999999),
                               "，%s" % r.choice(ZH_NAMES), " 拒收请回复R"])
        else:
            suffix = r.choice([" %s" % g.alnum(r.randint(3, 8)), " Reply STOP to opt out",
                               " -%s" % r.choice(FIRST), " ID:%d" % r.randint(10000, 99999999),
                               " (%s)" % g.alnum(4).upper(), " Txt STOP to end", " %d" % r.randint(10, 9999)])
    text = prefix + text + suffix
    case = r.random() if (not zh and r.random() < 0.25) else None
    homo = r.uniform(0.05, 0.3) if r.random() < 0.3 else None
    fw = (r.random() < 0.4) if r.random() < 0.2 else None  # True: all, False: some spans
    spacing = r.random() < 0.3
    zw = r.random() < 0.4

    def chars(seg):
        if case is not None:
            if case < 0.35:
                seg = seg.upper()
            elif case < 0.6:
                seg = seg.lower()
            else:
                seg = "".join(c.upper() if r.random() < 0.3 else c for c in seg)
        if homo is not None:
            seg = "".join((GREEK_O if c == "o" and r.random() < 0.3 else HOMO[c])
                          if c in HOMO and r.random() < homo else c for c in seg)
        if fw is not None and seg:
            if fw:
                seg = to_fullwidth(seg)
            else:
                cs = list(seg)
                for _ in range(r.randint(0, max(1, len(cs) // 30))):
                    a = r.randrange(len(cs))
                    b = min(len(cs), a + r.randint(3, 15))
                    cs[a:b] = list(to_fullwidth("".join(cs[a:b])))
                seg = "".join(cs)
        if spacing:
            out = []
            for c in seg:
                if c == " " and not zh:
                    q = r.random()
                    if q < 0.15:
                        out.append("  ")
                        continue
                    if q < 0.2:
                        out.append("\n")
                        continue
                    if q < 0.23:
                        continue
                out.append(c)
                if zh and r.random() < 0.06:
                    out.append(" ")
            seg = "".join(out)
        if zw and seg:
            cs = list(seg)
            for _ in range(r.randint(0, max(1, len(cs) // 15))):
                cs.insert(r.randrange(len(cs) + 1), r.choice(ZW))
            seg = "".join(cs)
        return seg

    if r.random() < link_mutation:
        text = chars(text.replace("\x01", "").replace("\x02", ""))
    else:
        parts = re.split(r"(\x01[^\x02]*\x02)", text)
        text = "".join(p[1:-1] if p.startswith("\x01") else chars(p) for p in parts)
    if spacing and r.random() < 0.3:
        text = "\n" + text + " "
    return text


def sender_for(g, t):
    r = g.r
    if t.senders and r.random() < 0.15:
        return r.choice(t.senders)
    if t.lang == "zh":
        s = (g.fmt_cn(g.cn_number()), "sms")
    else:
        if r.random() < 0.2:
            s = (g.letters(r.randint(5, 10)) + str(r.randint(1, 9999)) + "@" +
                 r.choice(["icloud.com", "me.com", "gmail.com", "yahoo.com", "outlook.com"]),
                 "imessage")
            if r.random() < 0.5:
                s = (s[0], "sms")  # email-to-text gateway
        else:
            s = (g.fmt_us(g.us_number()), "sms")
    if len(t.senders) < 4:
        t.senders.append(s)
    return s


# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--reports", type=int, default=30000)
    ap.add_argument("--ham", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20240527)
    ap.add_argument("--zh-share", type=float, default=0.3)
    ap.add_argument("--near", type=float, default=0.8)
    ap.add_argument("--family", type=float, default=0.5)
    ap.add_argument("--link-mutation", type=float, default=0.1,
                    help="fraction of copies whose links get the character-level mutations too")
    a = ap.parse_args()
    g = Gen(a.seed)

    spam, ham = load_corpora(a.data)

    # --- English spam templates
    keys = {}
    for src, t in spam:
        k = text_key(t)
        if len(k) < 3:
            continue
        keys.setdefault(k, []).append((src, t))
    klist = sorted(keys)
    sets = [shingles(k) for k in klist]
    pairs = similar_pairs(sets, a.family)
    uf_t, uf_f = UF(len(klist)), UF(len(klist))
    for i, j, jj in pairs:
        uf_f.union(i, j)
        if jj >= a.near:
            uf_t.union(i, j)
    groups = {}
    for i in range(len(klist)):
        groups.setdefault(uf_t.find(i), []).append(i)
    templates = []
    troot_to_tid = {}
    for root in sorted(groups):
        members = groups[root]
        variants, srcs, seen = [], set(), set()
        for i in members:
            for src, t in keys[klist[i]]:
                srcs.add(src)
                if t not in seen:
                    seen.add(t)
                    variants.append(templatize(t))
        tid = "en%04d" % len(templates)
        tpl = Template(tid, "en", "spam", "+".join(sorted(srcs)), variants)
        tpl.keyidx = members
        troot_to_tid[root] = tid
        templates.append(tpl)
    for tpl in templates:
        tpl.family = "enf%04d" % uf_f.find(tpl.keyidx[0])

    # --- ham: distinct, near-identical collapsed, not near any spam text
    hkeys = {}
    for src, t in ham:
        k = text_key(t)
        if len(k) < 2 or k in keys:
            continue
        hkeys.setdefault(k, (src, t))
    hlist = sorted(hkeys)
    allsets = sets + [shingles(k) for k in hlist]
    hpairs = similar_pairs(allsets, a.family)
    nsp = len(klist)
    uf_h = UF(len(allsets))
    drop = set()
    for i, j, jj in hpairs:
        if i >= nsp and j >= nsp:
            uf_h.union(i, j)
        elif (i >= nsp) != (j >= nsp):
            drop.add(max(i, j))
    ham_items = []
    ham_kept = 0
    for idx in range(nsp, len(allsets)):
        if idx in drop or uf_h.find(idx) != idx:
            continue
        ham_items.append(hkeys[hlist[idx - nsp]])
    ham_kept = len(ham_items)
    g.r.shuffle(ham_items)
    ham_items = ham_items[:a.ham]

    # --- Chinese templates
    zsets = [shingles(text_key(t)) for _, t in ZH_TEMPLATES]
    zpairs = similar_pairs(zsets, a.family)
    if zpairs:
        print("warning: Chinese templates too alike: %s" % zpairs, file=sys.stderr)
    for i, (cat, t) in enumerate(ZH_TEMPLATES):
        tpl = Template("zh%02d" % i, "zh", "spam", "written", [(t, [])], cat)
        tpl.family = tpl.id
        templates.append(tpl)

    for tpl in templates:
        make_values(g, tpl)

    # --- report counts: Zipf-like popularity, at least 2 per template
    en = [t for t in templates if t.lang == "en"]
    zh = [t for t in templates if t.lang == "zh"]
    n_spam = max(0, a.reports - len(ham_items))
    n_zh = int(n_spam * a.zh_share)
    n_en = n_spam - n_zh

    def alloc(tpls, total):
        order = tpls[:]
        g.r.shuffle(order)
        w = [1.0 / (i + 1) ** 0.9 for i in range(len(order))]
        base = 2 * len(order)
        rest = max(0, total - base)
        sw = sum(w)
        counts = {}
        for t, x in zip(order, w):
            counts[t.id] = 2 + int(rest * x / sw)
        return counts

    counts = alloc(en, n_en)
    counts.update(alloc(zh, n_zh))

    # --- reports
    us_reporters = ["+1" + g.us_number() for _ in range(6000)]
    cn_reporters = ["+86" + g.cn_number() for _ in range(3000)]
    items = []
    for t in templates:
        for _ in range(counts[t.id]):
            items.append(("spam", t))
    for hi in range(len(ham_items)):
        items.append(("ham", hi))
    g.r.shuffle(items)

    os.makedirs(a.out, exist_ok=True)
    n_by = {"en": 0, "zh": 0, "ham": 0}
    with open(os.path.join(a.out, "stream.jsonl"), "w", encoding="utf-8") as f:
        for seq, (kind, x) in enumerate(items):
            if kind == "ham":
                src, text = ham_items[x]
                tid = "ham%05d" % x
                body = {"content": text[:4096], "sender": g.fmt_us(g.us_number()),
                        "city": g.r.choices(US_CITIES, US_WEIGHTS)[0][1][0], "country": "US",
                        "reporter": g.r.choice(us_reporters)}
                rec = {"seq": seq, "tpl": tid, "fam": tid, "lang": "en", "kind": "ham", "body": body}
                n_by["ham"] += 1
            else:
                t = x
                vt, phones = g.r.choice(t.variants)
                text = mutate(g, t, fill(g, t, vt, phones), a.link_mutation)
                text = text[:4096]
                sender, channel = sender_for(g, t)
                if t.lang == "zh":
                    city = g.r.choice(g.r.choices(CN_CITIES, CN_WEIGHTS)[0][1])
                    body = {"content": text, "sender": sender, "channel": channel, "city": city,
                            "country": "CN", "reporter": g.r.choice(cn_reporters)}
                else:
                    city = g.r.choice(g.r.choices(US_CITIES, US_WEIGHTS)[0][1])
                    body = {"content": text, "sender": sender, "channel": channel, "city": city,
                            "country": "US", "reporter": g.r.choice(us_reporters)}
                rec = {"seq": seq, "tpl": t.id, "fam": t.family, "lang": t.lang, "kind": "spam",
                       "body": body}
                n_by[t.lang] += 1
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    meta = {}
    for t in templates:
        meta[t.id] = {"lang": t.lang, "kind": t.kind, "source": t.source, "family": t.family,
                      "category": t.category, "link_mode": t.link_mode, "phone_mode": t.phone_mode,
                      "reports": counts[t.id], "variants": [v for v, _ in t.variants[:5]],
                      "nvariants": len(t.variants)}
    for hi, (src, text) in enumerate(ham_items):
        meta["ham%05d" % hi] = {"lang": "en", "kind": "ham", "source": src, "family": "ham%05d" % hi,
                                "reports": 1, "variants": [text], "nvariants": 1}
    with open(os.path.join(a.out, "templates.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=0)

    nfam = len({t.family for t in en})
    print("corpora: %d spam texts (%d distinct keys), %d ham texts" % (len(spam), len(klist), len(ham)))
    print("templates: %d English spam (%d families at Jaccard >= %.2f; near-identical rule >= %.2f), "
          "%d Chinese, %d ham singletons (of %d distinct ham families)" % (
              len(en), nfam, a.family, a.near, len(zh), len(ham_items), ham_kept))
    print("stream: %d reports = %d English spam + %d Chinese spam + %d ham (seed %d)" % (
        len(items), n_by["en"], n_by["zh"], n_by["ham"], a.seed))


if __name__ == "__main__":
    main()
