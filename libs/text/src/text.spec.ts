import { describe, expect, it } from 'vitest';
import { isEvrecError } from '@evrec/core';
import {
  cosine,
  detectLanguage,
  hashedTextVector,
  hashedTokensVector,
  normalizeText,
  sparseTextFeatures,
  stripHtml,
  tokenize,
} from './index.ts';

describe('normalizeText', () => {
  it('maps full-width forms to ASCII and folds case', () => {
    expect(normalizeText('ＡＢＣ　ｄｅｆ１２３！')).toBe('abc def123!');
    expect(normalizeText('ÉCOLE Ελληνικά ΟΔΟΣ')).toBe('école ελληνικά οδοσ'); // final sigma folded
  });
  it('folds German ß and ẞ to ss so spellings match', () => {
    expect(normalizeText('Straße')).toBe('strasse');
    expect(normalizeText('STRASSE')).toBe('strasse');
    expect(normalizeText('GROẞE Bühne')).toBe('grosse bühne');
  });
  it('splits ligatures and unifies compatibility characters', () => {
    expect(normalizeText('ﬁnal ﬀ ①')).toBe('final ff 1');
    expect(normalizeText('ｶﾀｶﾅ')).toBe('カタカナ');
  });
  it('strips HTML tags, comments, scripts and decodes entities', () => {
    const html = '<div class="x"><p>Jazz&nbsp;&amp;&nbsp;Blues</p><script>alert("no")</script><!-- hidden --><br/>Caf&eacute; &#233;&#x00E9; &lt;3</div>';
    expect(normalizeText(html)).toBe('jazz & blues café éé <3');
    expect(stripHtml('a < b and c > d')).toBe('a < b and c > d');
    expect(stripHtml('<p>one</p><p>two</p>')).toBe(' one  two ');
  });
  it('drops unclosed script blocks to the end and stays linear on hostile markup', () => {
    expect(normalizeText('before <SCRIPT type="x">var a = 1; <p>after</p>')).toBe('before');
    expect(normalizeText('a <!-- one --> b <!-- two --> c <style>p{}</style> d')).toBe('a b c d');
    const hostile = '<script>'.repeat(20_000) + 'x'.repeat(100_000);
    const t0 = performance.now();
    expect(normalizeText(hostile)).toBe('');
    expect(normalizeText('<!--'.repeat(30_000) + 'x')).toBe('');
    expect(normalizeText('<a '.repeat(30_000)).length).toBe(3 * 30_000 - 1);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
  it('collapses whitespace and trims', () => {
    expect(normalizeText('  a \n\t b\u200b  ')).toBe('a b');
    expect(normalizeText('')).toBe('');
  });
});

describe('tokenize', () => {
  it('segments Japanese into words', () => {
    expect(tokenize('東京でジャズのライブを楽しもう', 'ja')).toEqual(expect.arrayContaining(['東京', 'ジャズ', 'ライブ']));
  });
  it('segments Chinese into words', () => {
    const t = tokenize('北京市中心举办的爵士音乐节', 'zh');
    expect(t).toEqual(expect.arrayContaining(['中心', '举办', '爵士']));
    expect(t.length).toBeGreaterThanOrEqual(5);
  });
  it('segments Thai into words', () => {
    expect(tokenize('คอนเสิร์ตดนตรีแจ๊สที่กรุงเทพ', 'th')).toEqual(['คอนเสิร์ต', 'ดนตรี', 'แจ๊ส', 'ที่', 'กรุงเทพ']);
  });
  it('splits Latin, Cyrillic, Arabic and Korean on word boundaries and drops punctuation', () => {
    expect(tokenize('Hello, World! Don’t stop.', 'en')).toEqual(['hello', 'world', 'don’t', 'stop']);
    expect(tokenize('Джазовый концерт в Москве!')).toEqual(['джазовый', 'концерт', 'в', 'москве']);
    expect(tokenize('مهرجان الموسيقى في القاهرة')).toEqual(['مهرجان', 'الموسيقى', 'في', 'القاهرة']);
    expect(tokenize('서울에서 열리는 재즈 페스티벌')).toEqual(['서울에서', '열리는', '재즈', '페스티벌']);
  });
  it('uses the detected language when none is declared, and survives an invalid tag', () => {
    expect(tokenize('คอนเสิร์ตดนตรีแจ๊ส')).toEqual(tokenize('คอนเสิร์ตดนตรีแจ๊ส', 'th'));
    expect(tokenize('hello world', 'not a tag!!')).toEqual(['hello', 'world']);
    expect(tokenize('東京でジャズ', 'ja_JP')).toEqual(['東京', 'で', 'ジャズ']);
  });
  it('returns no tokens for empty or punctuation-only text', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' ... !!! ')).toEqual([]);
  });
});

// A small labelled set: event-like sentences, 2–3 per language, 15 languages, 9 scripts.
const LABELLED: Array<[string, string]> = [
  ['en', 'Join us for a live jazz night with local musicians and free drinks.'],
  ['en', 'The workshop is for beginners who want to learn how to code.'],
  ['en', 'Sunday morning yoga in the park, all levels are welcome'],
  ['es', 'Ven a disfrutar de una noche de jazz en vivo con músicos locales.'],
  ['es', 'El taller es para principiantes que quieren aprender a programar.'],
  ['es', 'Clase de yoga el domingo por la mañana en el parque'],
  ['fr', 'Venez profiter d’une soirée de jazz avec des musiciens locaux.'],
  ['fr', "L'atelier est pour les débutants qui veulent apprendre à coder."],
  ['fr', 'Cours de yoga dans le parc le dimanche matin, pour tous les niveaux'],
  ['de', 'Kommt zu unserem Jazzabend mit Musikern aus der Stadt.'],
  ['de', 'Der Workshop ist für Anfänger, die programmieren lernen wollen.'],
  ['de', 'Yoga am Sonntagmorgen im Park, für alle Niveaus geeignet'],
  ['pt', 'Venha curtir uma noite de jazz ao vivo com músicos da cidade.'],
  ['pt', 'A oficina é para iniciantes que querem aprender programação.'],
  ['pt', 'Aula de yoga no parque no domingo de manhã, para todos os níveis'],
  ['it', 'Vieni a goderti una serata di jazz dal vivo con musicisti locali.'],
  ['it', 'Il laboratorio è per principianti che vogliono imparare a programmare.'],
  ['it', 'Lezione di yoga nel parco la domenica mattina, per tutti i livelli'],
  ['nl', 'Kom naar onze jazzavond met muzikanten uit de stad.'],
  ['nl', 'De workshop is voor beginners die willen leren programmeren.'],
  ['ja', '東京で地元のミュージシャンによるジャズライブを楽しもう。'],
  ['ja', 'このワークショップはプログラミングを学びたい初心者向けです。'],
  ['zh', '和本地音乐人一起享受现场爵士之夜。'],
  ['zh', '本工作坊面向想学习编程的初学者。'],
  ['ko', '지역 음악가들과 함께하는 재즈의 밤에 초대합니다.'],
  ['ko', '이 워크숍은 코딩을 배우고 싶은 초보자를 위한 것입니다.'],
  ['ar', 'انضموا إلينا في ليلة جاز حية مع موسيقيين محليين.'],
  ['ar', 'ورشة العمل مخصصة للمبتدئين الذين يريدون تعلم البرمجة.'],
  ['hi', 'स्थानीय संगीतकारों के साथ लाइव जैज़ की शाम में शामिल हों।'],
  ['hi', 'यह कार्यशाला उन शुरुआती लोगों के लिए है जो कोडिंग सीखना चाहते हैं।'],
  ['ru', 'Приходите на вечер живого джаза с местными музыкантами.'],
  ['ru', 'Мастер-класс для начинающих, которые хотят научиться программировать.'],
  ['th', 'มาร่วมสนุกกับค่ำคืนดนตรีแจ๊สสดกับนักดนตรีท้องถิ่น'],
  ['th', 'เวิร์กช็อปนี้สำหรับผู้เริ่มต้นที่อยากเรียนเขียนโปรแกรม'],
  ['uk', 'Запрошуємо на вечір живого джазу з місцевими музикантами, їжа і напої.'],
  ['el', 'Ελάτε σε μια βραδιά ζωντανής τζαζ με τοπικούς μουσικούς.'],
];

describe('detectLanguage', () => {
  it('labels a small multilingual set correctly (≥ 95%)', () => {
    const wrong = LABELLED.filter(([lang, text]) => detectLanguage(text) !== lang).map(([lang, text]) => `${lang}→${detectLanguage(text)}: ${text}`);
    expect(wrong.length / LABELLED.length, wrong.join('\n')).toBeLessThanOrEqual(0.05);
  });
  it('tells Japanese from Chinese by kana', () => {
    expect(detectLanguage('東京都美術館')).toBe('zh'); // kanji only is ambiguous; Han → zh
    expect(detectLanguage('東京都の美術館')).toBe('ja');
  });
  it('sees through HTML and full-width letters', () => {
    expect(detectLanguage('<p>Ｔｈｅ concert is <b>free</b> for all of you</p>')).toBe('en');
  });
  it('returns undefined without evidence', () => {
    expect(detectLanguage('')).toBeUndefined();
    expect(detectLanguage('12:30 — 14:00 !!!')).toBeUndefined();
    expect(detectLanguage('XYZ')).toBeUndefined();
  });
  it('is deterministic', () => {
    for (const [, text] of LABELLED) expect(detectLanguage(text)).toBe(detectLanguage(text));
  });
});

describe('hashedTextVector', () => {
  it('is L2-normalised with the requested dims, zero for empty text', () => {
    const v = hashedTextVector('Live jazz tonight', { dims: 64 });
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.length).toBe(64);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect(hashedTextVector('').every((x) => x === 0)).toBe(true);
    expect(hashedTextVector('  <p> ... </p> ').length).toBe(256);
    expect(hashedTextVector('  <p> ... </p> ').every((x) => x === 0)).toBe(true);
  });
  it('is deterministic across calls and independent of call order', () => {
    const text = 'Jazz im Park — 東京のライブ — คอนเสิร์ต';
    const first = hashedTextVector(text);
    hashedTextVector('something else entirely to disturb reused buffers');
    expect(hashedTextVector(text)).toEqual(first);
    // Pinned values: a change in hashing silently invalidates trained models, so it must show here.
    const pinned = hashedTokensVector(['jazz'], { dims: 8, charNgrams: false });
    const nonZero = [...pinned].filter((x) => x !== 0);
    expect(nonZero).toHaveLength(1);
    expect(Math.abs(nonZero[0])).toBeCloseTo(1, 6);
  });
  it('ignores case, width and markup differences', () => {
    expect(cosine(hashedTextVector('<b>JAZZ</b> Night'), hashedTextVector('ｊａｚｚ night'))).toBeCloseTo(1, 6);
  });
  it('rejects invalid dims', () => {
    expect(() => hashedTextVector('x', { dims: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    try {
      hashedTextVector('x', { dims: 1.5 });
    } catch (e) {
      expect(isEvrecError(e, 'INVALID_INPUT')).toBe(true);
    }
  });
  it('char n-grams make inflected forms similar', () => {
    const withNgrams = cosine(hashedTextVector('concerts musicians'), hashedTextVector('concert musician'));
    const withoutNgrams = cosine(
      hashedTextVector('concerts musicians', { charNgrams: false }),
      hashedTextVector('concert musician', { charNgrams: false }),
    );
    expect(withNgrams).toBeGreaterThan(0.5);
    expect(withNgrams).toBeGreaterThan(withoutNgrams + 0.3);
  });

  // Same topic pairs must be closer than cross-topic pairs, in each language.
  const TOPICS: Record<string, [string, string, string]> = {
    en: ['Live jazz concert with a saxophone quartet tonight', 'Jazz quartet concert: saxophone and piano, live', 'Beginner Python programming workshop for developers'],
    es: ['Concierto de jazz en vivo con cuarteto de saxofón', 'Cuarteto de jazz: concierto en vivo de saxofón y piano', 'Taller de programación en Python para principiantes'],
    de: ['Live-Jazzkonzert mit Saxophonquartett heute Abend', 'Jazzkonzert: Saxophonquartett und Klavier live', 'Python-Programmierworkshop für Anfänger'],
    fr: ['Concert de jazz en direct avec un quatuor de saxophones', 'Quatuor de jazz : concert de saxophones et piano en direct', 'Atelier de programmation Python pour débutants'],
    ja: ['サックス四重奏によるジャズのライブコンサート', 'ジャズのライブ：サックスとピアノのコンサート', '初心者向けのPythonプログラミング講座'],
    zh: ['今晚萨克斯四重奏爵士现场音乐会', '爵士音乐会：萨克斯和钢琴现场演出', '面向初学者的Python编程工作坊'],
    th: ['คอนเสิร์ตแจ๊สสดกับวงแซกโซโฟนคืนนี้', 'คอนเสิร์ตแจ๊สแซกโซโฟนและเปียโนสด', 'เวิร์กช็อปเขียนโปรแกรมไพธอนสำหรับผู้เริ่มต้น'],
    ru: ['Живой джазовый концерт саксофонового квартета', 'Джазовый концерт: саксофон и фортепиано вживую', 'Мастер-класс по программированию на Python для начинающих'],
    ar: ['حفل جاز مباشر مع رباعي الساكسفون الليلة', 'حفل جاز مباشر: ساكسفون وبيانو', 'ورشة برمجة بايثون للمبتدئين'],
  };
  it.each(Object.entries(TOPICS))('same-topic texts are closer than different-topic texts (%s)', (_lang, [a, b, c]) => {
    const [va, vb, vc] = [a, b, c].map((t) => hashedTextVector(t));
    expect(cosine(va, vb)).toBeGreaterThan(cosine(va, vc) + 0.1);
    expect(cosine(va, vb)).toBeGreaterThan(cosine(vb, vc) + 0.1);
  });
});

describe('sparseTextFeatures', () => {
  it('gives sorted unique in-range bucket ids with unit-norm signed weights', () => {
    const { indices, values } = sparseTextFeatures('Live jazz concert, live jazz!', { buckets: 1000 });
    expect(indices).toBeInstanceOf(Int32Array);
    expect(values).toBeInstanceOf(Float32Array);
    expect(indices.length).toBe(values.length);
    for (let i = 1; i < indices.length; i++) expect(indices[i]).toBeGreaterThan(indices[i - 1]);
    expect([...indices].every((i) => i >= 0 && i < 1000)).toBe(true);
    expect(Math.hypot(...values)).toBeCloseTo(1, 5);
    expect([...values].some((v) => v < 0)).toBe(true);
  });
  it('without char n-grams has one feature per distinct word and bigram (hand count)', () => {
    // words: a, b, c (a twice) → 3 unigrams; bigrams: a b, b a, a c → 3 (no collisions in 2^18).
    const { indices, values } = sparseTextFeatures('a b a c', { charNgrams: false });
    expect(indices.length).toBe(6);
    // Unigram weights: a = 2, b = c = 1; bigram weights 0.7 each. Norm² = 4 + 1 + 1 + 3·0.49.
    const norm = Math.sqrt(6 + 3 * 0.49);
    const magnitudes = [...values].map((v) => Math.abs(v)).sort((x, y) => x - y);
    expect(magnitudes[0]).toBeCloseTo(0.7 / norm, 6);
    expect(magnitudes[5]).toBeCloseTo(2 / norm, 6);
  });
  it('matches the dense vector when buckets equal dims', () => {
    const text = 'Jazz im Park mit Freunden';
    const dense = hashedTextVector(text, { dims: 128 });
    const { indices, values } = sparseTextFeatures(text, { buckets: 128 });
    const rebuilt = new Float32Array(128);
    indices.forEach((ix, i) => (rebuilt[ix] = values[i]));
    for (let i = 0; i < 128; i++) expect(rebuilt[i]).toBeCloseTo(dense[i], 6);
  });
  it('is empty for empty text', () => {
    const { indices, values } = sparseTextFeatures('');
    expect(indices.length).toBe(0);
    expect(values.length).toBe(0);
  });
});

describe('cosine', () => {
  it('computes hand-checked values', () => {
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(0, 1))).toBe(0);
    expect(cosine(Float32Array.of(1, 2, 2), Float32Array.of(2, 4, 4))).toBeCloseTo(1, 6);
    expect(cosine(Float32Array.of(3, 4), Float32Array.of(4, 3))).toBeCloseTo(24 / 25, 6);
    expect(cosine(Float32Array.of(0, 0), Float32Array.of(1, 1))).toBe(0);
  });
  it('rejects mismatched lengths', () => {
    expect(() => cosine(new Float32Array(2), new Float32Array(3))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
