"""A deterministic mixed-language test corpus built offline: real code and English (the Python standard
library's sources), plus generated Chinese, Japanese, Korean, Russian, Arabic, Hindi and German prose,
JSON, digit runs, whitespace runs and emoji. Used by the tokenizer tests and benchmarks/tokens.py."""

from __future__ import annotations

import json
import random
import sysconfig
from pathlib import Path

WORDS = {
    "zh": "我们 今天 价格 模型 计算 成本 每月 请求 缓存 命中 输出 输入 数据 服务 用户 系统 问题 时间 工作 公司 "
          "中国 北京 上海 发展 经济 技术 人工智能 大语言模型 推理 训练 开源 权重 上下文 长度 高峰 低谷 优惠 "
          "结束 开始 永久 标准 批量 处理 的 了 是 在 和 有 不 这 一个 为了 可以 因为 所以 但是 如果".split(),
    "ja": "これは テスト です 東京 価格 モデル トークン キャッシュ 計算 します ました ください ありがとう "
          "カタカナ ひらがな 日本語 推論 出力 入力 コスト 毎月 リクエスト サーバー データ".split(),
    "ko": "안녕하세요 가격 모델 토큰 캐시 계산 요청 서버 데이터 한국어 출력 입력 비용 매월 처리".split(),
    "ru": "привет цена модель токен кэш расчёт запрос сервер данные русский вывод ввод стоимость месяц".split(),
    "ar": "مرحبا سعر نموذج رمز حساب طلب خادم بيانات عربي إخراج إدخال تكلفة شهر".split(),
    "hi": "नमस्ते कीमत मॉडल टोकन गणना अनुरोध सर्वर डेटा हिंदी आउटपुट इनपुट लागत महीना".split(),
    "de": "Grüße Preis Modell Schlüssel Berechnung Anfrage Straße Größe über Äpfel Übersicht monatlich".split(),
}
PUNCT = {"zh": "，。！？；：、（）“”", "ja": "、。「」・ー！？", "ko": ".,!? ", "ru": ".,!?—«»", "ar": "،.؟!",
         "hi": "।,?!", "de": ".,!?–„“"}
EMOJI = ["😀", "👍🏽", "🇨🇳", "👨‍👩‍👧", "🔥", "✅", "🤖", "💸", "📈", "❤️", "🧮"]


def _prose(rng: random.Random, lang: str, n_words: int) -> str:
    words, punct = WORDS[lang], PUNCT[lang]
    joiner = "" if lang in ("zh", "ja") else " "
    out = []
    for _ in range(n_words):
        out.append(rng.choice(words))
        if rng.random() < 0.12:
            out.append(rng.choice(punct))
    return joiner.join(out)


def _json(rng: random.Random) -> str:
    def value(depth):
        kind = rng.random()
        if depth > 2 or kind < 0.3:
            return rng.choice([rng.randint(-10**6, 10**9), round(rng.uniform(0, 1000), 4), None, True,
                               _prose(rng, rng.choice(list(WORDS)), 3)])
        if kind < 0.65:
            return {f"key_{rng.randint(0, 99)}": value(depth + 1) for _ in range(rng.randint(1, 5))}
        return [value(depth + 1) for _ in range(rng.randint(1, 4))]

    return json.dumps(value(0), ensure_ascii=rng.random() < 0.3, indent=rng.choice([None, 2]))


def _odd(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(3, 12)):
        kind = rng.randrange(6)
        if kind == 0:
            parts.append(str(rng.randint(0, 10**rng.randint(1, 12))))
        elif kind == 1:
            parts.append(rng.choice([" ", "  ", "\t", "\n", "\r\n", "   \n", "\n\n\n", " \u3000 ", "\u00a0"]) *
                         rng.randint(1, 4))
        elif kind == 2:
            parts.append("".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3))))
        elif kind == 3:
            parts.append(rng.choice(["x²", "½", "Ⅻ", "٣٤", "१२", "①②", "3.14159", "1,000,000", "-42e-7"]))
        elif kind == 4:
            parts.append(rng.choice(["'s", "'LL", "n't", "e\u0301", "ﬁ", "ｶﾀｶﾅ", "〇", "゠゛゜ゝ"]))
        else:
            parts.append(_prose(rng, rng.choice(list(WORDS)), rng.randint(1, 5)))
    return rng.choice(["", " ", "\n"]).join(parts)


def stdlib_sources(limit_bytes: int) -> list[str]:
    """Real Python code with English comments and docstrings, in a stable order."""
    root = Path(sysconfig.get_paths()["stdlib"])
    texts, total = [], 0
    for path in sorted(root.glob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        texts.append(text)
        total += len(text)
        if total >= limit_bytes:
            break
    return texts


def build(size_bytes: int, seed: int = 20261122) -> list[str]:
    """Documents adding up to about `size_bytes` of UTF-8: about half code/English, half the rest."""
    rng = random.Random(seed)
    docs = stdlib_sources(size_bytes // 2)
    total = sum(len(d.encode()) for d in docs)
    while total < size_bytes:
        kind = rng.randrange(4)
        if kind == 0:
            doc = _prose(rng, rng.choice(list(WORDS)), rng.randint(50, 400))
        elif kind == 1:
            doc = _json(rng)
        else:
            doc = _odd(rng)
        docs.append(doc)
        total += len(doc.encode())
    return docs


def fuzz(count: int, seed: int = 7) -> list[str]:
    """Short random strings over the character classes tokenizers treat differently."""
    rng = random.Random(seed)
    pools = [
        "abcXYZ", " \t\n\r", "0123456789", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "一中价格龥",
        "\u3040\u3041\u3097\u3098\u3099\u309a\u309b\u309c\u309f\u30a0\u30a1\u30fb\u30fc\u30ff",
        "²½Ⅻ٣१①", "é\u0301\u0300ﬁ", "😀👍🏽\u200d\u200b\ufeff", "\u00a0\u2028\u3000\x0b\x0c\x85",
        "\x00\x01\x7f\ue000", "ßÄÖ", "Ωπ", "Жж", "ابت",
    ]
    out = []
    for _ in range(count):
        chosen = rng.sample(pools, rng.randint(1, 4))
        alphabet = "".join(chosen)
        out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))))
    return out
