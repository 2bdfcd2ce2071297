import type { Rng } from '@evrec/core';
import { CATEGORY_NAMES } from './categories.ts';
import type { TextLanguage } from './languages.ts';

/**
 * Event titles and descriptions written in the event's language. Each category has its own topics
 * and its own descriptive sentence in every language, so the words carry the category; the style
 * lines carry the event's latent "casual ↔ premium" coordinate (see docs/SYNTHETIC.md).
 */
type Phrases = Readonly<Record<TextLanguage, string>>;

interface Topic {
  /** English slug, also written as a tag. */
  key: string;
  text: Phrases;
}

const TOPICS: Readonly<Record<string, readonly Topic[]>> = {
  music: [
    { key: 'jazz', text: { en: 'Live jazz night', es: 'Noche de jazz en vivo', fr: 'Soirée jazz live', de: 'Live-Jazz-Abend', pt: 'Noite de jazz ao vivo', ru: 'Вечер живого джаза', ar: 'ليلة جاز حية', hi: 'लाइव जैज़ संध्या', zh: '爵士乐现场之夜', ja: 'ジャズライブの夜' } },
    { key: 'indie-rock', text: { en: 'Indie rock concert', es: 'Concierto de rock indie', fr: 'Concert de rock indé', de: 'Indie-Rock-Konzert', pt: 'Show de rock indie', ru: 'Концерт инди-рока', ar: 'حفل موسيقى روك مستقلة', hi: 'इंडी रॉक कॉन्सर्ट', zh: '独立摇滚音乐会', ja: 'インディーロックのコンサート' } },
    { key: 'classical', text: { en: 'Classical piano recital', es: 'Recital de piano clásico', fr: 'Récital de piano classique', de: 'Klassischer Klavierabend', pt: 'Recital de piano clássico', ru: 'Вечер классической фортепианной музыки', ar: 'أمسية بيانو كلاسيكية', hi: 'शास्त्रीय पियानो संगीत संध्या', zh: '古典钢琴独奏会', ja: 'クラシックピアノ・リサイタル' } },
    { key: 'folk', text: { en: 'Acoustic folk session', es: 'Sesión de folk acústico', fr: 'Session folk acoustique', de: 'Akustik-Folk-Session', pt: 'Sessão de folk acústico', ru: 'Акустический фолк-концерт', ar: 'أمسية موسيقى شعبية أكوستيك', hi: 'अकूस्टिक लोक संगीत सत्र', zh: '原声民谣专场', ja: 'アコースティック・フォークの集い' } },
  ],
  nightlife: [
    { key: 'techno', text: { en: 'Techno club night', es: 'Noche de techno en el club', fr: 'Nuit techno en club', de: 'Techno-Clubnacht', pt: 'Noite de techno na balada', ru: 'Техно-вечеринка в клубе', ar: 'سهرة تكنو في النادي', hi: 'टेक्नो क्लब नाइट', zh: '电子舞曲俱乐部之夜', ja: 'テクノ・クラブナイト' } },
    { key: 'rooftop-party', text: { en: 'Rooftop DJ party', es: 'Fiesta con DJ en la azotea', fr: 'Soirée DJ sur le rooftop', de: 'DJ-Party auf der Dachterrasse', pt: 'Festa com DJ no terraço', ru: 'Вечеринка с диджеем на крыше', ar: 'حفلة دي جي على السطح', hi: 'रूफटॉप डीजे पार्टी', zh: '屋顶DJ派对', ja: '屋上DJパーティー' } },
    { key: 'karaoke', text: { en: 'Karaoke night', es: 'Noche de karaoke', fr: 'Soirée karaoké', de: 'Karaoke-Abend', pt: 'Noite de karaokê', ru: 'Караоке-вечер', ar: 'ليلة كاريوكي', hi: 'कराओके नाइट', zh: '卡拉OK之夜', ja: 'カラオケナイト' } },
    { key: 'bar-crawl', text: { en: 'Late-night bar crawl', es: 'Ruta nocturna de bares', fr: 'Tournée des bars de nuit', de: 'Nächtliche Kneipentour', pt: 'Roteiro noturno de bares', ru: 'Ночной тур по барам', ar: 'سهرة موسيقى ورقص في المدينة', hi: 'देर रात बार की सैर', zh: '深夜酒吧巡游', ja: '深夜のバーはしご' } },
  ],
  art: [
    { key: 'contemporary-art', text: { en: 'Contemporary art exhibition', es: 'Exposición de arte contemporáneo', fr: "Exposition d'art contemporain", de: 'Ausstellung zeitgenössischer Kunst', pt: 'Exposição de arte contemporânea', ru: 'Выставка современного искусства', ar: 'معرض الفن المعاصر', hi: 'समकालीन कला प्रदर्शनी', zh: '当代艺术展览', ja: '現代アート展' } },
    { key: 'photography', text: { en: 'Photography exhibition opening', es: 'Inauguración de exposición fotográfica', fr: "Vernissage d'une exposition photo", de: 'Vernissage einer Fotoausstellung', pt: 'Abertura de exposição de fotografia', ru: 'Открытие фотовыставки', ar: 'افتتاح معرض التصوير الفوتوغرافي', hi: 'फोटोग्राफी प्रदर्शनी का उद्घाटन', zh: '摄影展开幕式', ja: '写真展のオープニング' } },
    { key: 'museum-tour', text: { en: 'Guided museum tour', es: 'Visita guiada al museo', fr: 'Visite guidée du musée', de: 'Museumsführung', pt: 'Visita guiada ao museu', ru: 'Экскурсия по музею', ar: 'جولة إرشادية في المتحف', hi: 'संग्रहालय का निर्देशित भ्रमण', zh: '博物馆导览', ja: '美術館ガイドツアー' } },
    { key: 'painting', text: { en: 'Painting and sketching workshop', es: 'Taller de pintura y dibujo', fr: 'Atelier de peinture et de dessin', de: 'Mal- und Zeichenworkshop', pt: 'Oficina de pintura e desenho', ru: 'Мастер-класс по живописи и рисунку', ar: 'ورشة رسم وتلوين', hi: 'चित्रकला और स्केचिंग कार्यशाला', zh: '绘画与素描工作坊', ja: '絵画・スケッチ教室' } },
  ],
  theatre: [
    { key: 'stand-up', text: { en: 'Stand-up comedy show', es: 'Show de comedia stand-up', fr: 'Spectacle de stand-up', de: 'Stand-up-Comedy-Show', pt: 'Show de stand-up comedy', ru: 'Стендап-шоу', ar: 'عرض كوميدي ستاند أب', hi: 'स्टैंड-अप कॉमेडी शो', zh: '脱口秀专场', ja: 'お笑いライブ' } },
    { key: 'premiere', text: { en: 'Theatre premiere', es: 'Estreno teatral', fr: 'Première au théâtre', de: 'Theaterpremiere', pt: 'Estreia de teatro', ru: 'Театральная премьера', ar: 'العرض الأول لمسرحية', hi: 'नाटक का प्रीमियर', zh: '话剧首演', ja: '演劇の初日公演' } },
    { key: 'improv', text: { en: 'Improv theatre evening', es: 'Noche de teatro de improvisación', fr: "Soirée d'improvisation théâtrale", de: 'Improtheater-Abend', pt: 'Noite de teatro de improviso', ru: 'Вечер театральной импровизации', ar: 'أمسية مسرح ارتجالي', hi: 'इम्प्रोव थिएटर की शाम', zh: '即兴戏剧之夜', ja: '即興劇の夕べ' } },
    { key: 'dance', text: { en: 'Contemporary dance performance', es: 'Espectáculo de danza contemporánea', fr: 'Spectacle de danse contemporaine', de: 'Zeitgenössische Tanzaufführung', pt: 'Espetáculo de dança contemporânea', ru: 'Спектакль современного танца', ar: 'عرض رقص معاصر', hi: 'समकालीन नृत्य प्रस्तुति', zh: '现代舞演出', ja: 'コンテンポラリーダンス公演' } },
  ],
  film: [
    { key: 'open-air-cinema', text: { en: 'Open-air cinema screening', es: 'Cine al aire libre', fr: 'Projection de cinéma en plein air', de: 'Open-Air-Kino', pt: 'Sessão de cinema ao ar livre', ru: 'Кинопоказ под открытым небом', ar: 'عرض سينمائي في الهواء الطلق', hi: 'खुले आसमान में फ़िल्म प्रदर्शन', zh: '露天电影放映', ja: '野外映画上映会' } },
    { key: 'documentary', text: { en: 'Documentary screening and Q&A', es: 'Proyección de documental con coloquio', fr: 'Projection de documentaire et débat', de: 'Dokumentarfilm mit Diskussion', pt: 'Exibição de documentário com debate', ru: 'Показ документального фильма с обсуждением', ar: 'عرض فيلم وثائقي ونقاش', hi: 'वृत्तचित्र प्रदर्शन और चर्चा', zh: '纪录片放映与交流', ja: 'ドキュメンタリー上映とトーク' } },
    { key: 'short-film-festival', text: { en: 'Short film festival', es: 'Festival de cortometrajes', fr: 'Festival de courts métrages', de: 'Kurzfilmfestival', pt: 'Festival de curtas-metragens', ru: 'Фестиваль короткометражного кино', ar: 'مهرجان الأفلام القصيرة', hi: 'लघु फ़िल्म महोत्सव', zh: '短片电影节', ja: '短編映画祭' } },
    { key: 'classic-film', text: { en: 'Classic film night', es: 'Noche de cine clásico', fr: 'Soirée ciné classique', de: 'Filmklassiker-Abend', pt: 'Noite de cinema clássico', ru: 'Вечер классического кино', ar: 'ليلة الأفلام الكلاسيكية', hi: 'क्लासिक फ़िल्म संध्या', zh: '经典电影之夜', ja: '名作映画の夕べ' } },
  ],
  food: [
    { key: 'coffee-tasting', text: { en: 'Specialty coffee tasting', es: 'Cata de café de especialidad', fr: 'Dégustation de cafés de spécialité', de: 'Spezialitätenkaffee-Verkostung', pt: 'Degustação de cafés especiais', ru: 'Дегустация спешелти-кофе', ar: 'تذوق القهوة المختصة', hi: 'विशेष कॉफ़ी टेस्टिंग', zh: '精品咖啡品鉴会', ja: 'スペシャルティコーヒーの試飲会' } },
    { key: 'cooking-class', text: { en: 'Cooking class: street food', es: 'Clase de cocina: comida callejera', fr: 'Cours de cuisine : street food', de: 'Kochkurs: Streetfood', pt: 'Aula de culinária: comida de rua', ru: 'Кулинарный мастер-класс: уличная еда', ar: 'درس طبخ: أكلات الشارع', hi: 'कुकिंग क्लास: स्ट्रीट फ़ूड', zh: '烹饪课：街头小吃', ja: '料理教室：屋台グルメ' } },
    { key: 'food-market', text: { en: 'Night food market', es: 'Mercado gastronómico nocturno', fr: 'Marché gourmand de nuit', de: 'Nachtmarkt mit Streetfood', pt: 'Feira gastronômica noturna', ru: 'Ночной гастрономический рынок', ar: 'سوق الطعام الليلي', hi: 'रात्रि खाद्य बाज़ार', zh: '美食夜市', ja: 'ナイトフードマーケット' } },
    { key: 'chef-dinner', text: { en: "Chef's table dinner", es: 'Cena con el chef', fr: 'Dîner à la table du chef', de: 'Dinner am Chef’s Table', pt: 'Jantar na mesa do chef', ru: 'Ужин от шеф-повара', ar: 'عشاء مع الطاهي', hi: 'शेफ़ के साथ विशेष रात्रिभोज', zh: '主厨私房晚宴', ja: 'シェフの特別ディナー会' } },
  ],
  sports: [
    { key: 'five-a-side', text: { en: 'Five-a-side football match', es: 'Partido de fútbol 5', fr: 'Match de foot à cinq', de: 'Fußballspiel Fünf gegen Fünf', pt: 'Partida de futebol society', ru: 'Матч по мини-футболу', ar: 'مباراة كرة قدم خماسية', hi: 'फाइव-ए-साइड फ़ुटबॉल मैच', zh: '五人制足球赛', ja: 'フットサルの試合' } },
    { key: 'basketball', text: { en: 'Pickup basketball game', es: 'Partido de baloncesto amistoso', fr: 'Match de basket amical', de: 'Basketball-Freundschaftsspiel', pt: 'Jogo amistoso de basquete', ru: 'Товарищеский матч по баскетболу', ar: 'مباراة ودية في كرة السلة', hi: 'बास्केटबॉल दोस्ताना मैच', zh: '篮球友谊赛', ja: 'バスケットボールの交流試合' } },
    { key: 'watch-party', text: { en: 'Big match watch party', es: 'Ver el gran partido juntos', fr: 'Diffusion du grand match', de: 'Public Viewing zum Topspiel', pt: 'Transmissão do grande jogo', ru: 'Совместный просмотр большого матча', ar: 'مشاهدة جماعية للمباراة الكبرى', hi: 'बड़े मैच की सामूहिक स्क्रीनिंग', zh: '大赛观赛派对', ja: 'ビッグマッチのパブリックビューイング' } },
    { key: 'tennis', text: { en: 'Amateur tennis tournament', es: 'Torneo de tenis amateur', fr: 'Tournoi de tennis amateur', de: 'Amateur-Tennisturnier', pt: 'Torneio de tênis amador', ru: 'Любительский теннисный турнир', ar: 'بطولة تنس للهواة', hi: 'शौकिया टेनिस टूर्नामेंट', zh: '业余网球锦标赛', ja: 'アマチュアテニス大会' } },
  ],
  fitness: [
    { key: 'run-club', text: { en: 'Morning 5K run club', es: 'Club de running: 5 km matutinos', fr: 'Club de course : 5 km du matin', de: 'Lauftreff: 5 km am Morgen', pt: 'Clube de corrida: 5 km pela manhã', ru: 'Утренняя пробежка на 5 км', ar: 'نادي الجري: 5 كم صباحاً', hi: 'सुबह की 5 किमी दौड़', zh: '晨跑5公里俱乐部', ja: '朝の5kmランニング会' } },
    { key: 'yoga', text: { en: 'Outdoor yoga class', es: 'Clase de yoga al aire libre', fr: 'Cours de yoga en plein air', de: 'Yoga im Freien', pt: 'Aula de ioga ao ar livre', ru: 'Йога на свежем воздухе', ar: 'حصة يوغا في الهواء الطلق', hi: 'खुले में योग कक्षा', zh: '户外瑜伽课', ja: '屋外ヨガクラス' } },
    { key: 'hiit', text: { en: 'HIIT bootcamp workout', es: 'Entrenamiento funcional HIIT', fr: 'Séance de HIIT bootcamp', de: 'HIIT-Bootcamp-Training', pt: 'Treino funcional HIIT', ru: 'Интенсивная тренировка HIIT', ar: 'تمرين هيت عالي الكثافة', hi: 'HIIT बूटकैंप वर्कआउट', zh: '高强度间歇训练营', ja: 'HIITブートキャンプ' } },
    { key: 'cycling', text: { en: 'Group cycling ride', es: 'Salida grupal en bicicleta', fr: 'Sortie vélo en groupe', de: 'Gemeinsame Radtour', pt: 'Pedal em grupo', ru: 'Групповой велозаезд', ar: 'رحلة جماعية بالدراجات', hi: 'समूह साइकिल यात्रा', zh: '骑行团活动', ja: 'グループサイクリング' } },
  ],
  outdoors: [
    { key: 'hiking', text: { en: 'Mountain hiking trip', es: 'Excursión de senderismo en la montaña', fr: 'Randonnée en montagne', de: 'Bergwanderung', pt: 'Trilha na montanha', ru: 'Поход в горы', ar: 'رحلة مشي في الجبال', hi: 'पहाड़ी ट्रेकिंग यात्रा', zh: '登山徒步之旅', ja: '山歩きハイキング' } },
    { key: 'kayaking', text: { en: 'Kayaking on the river', es: 'Kayak por el río', fr: 'Kayak sur la rivière', de: 'Kajaktour auf dem Fluss', pt: 'Caiaque no rio', ru: 'Сплав на каяках по реке', ar: 'التجديف بالكاياك في النهر', hi: 'नदी में कयाकिंग', zh: '河上皮划艇', ja: '川でカヤック体験' } },
    { key: 'camping', text: { en: 'Weekend camping trip', es: 'Acampada de fin de semana', fr: 'Week-end de camping', de: 'Camping-Wochenende', pt: 'Acampamento de fim de semana', ru: 'Поход с палатками на выходные', ar: 'رحلة تخييم نهاية الأسبوع', hi: 'सप्ताहांत कैंपिंग यात्रा', zh: '周末露营', ja: '週末キャンプ' } },
    { key: 'nature-walk', text: { en: 'Nature walk and birdwatching', es: 'Paseo por la naturaleza y observación de aves', fr: 'Balade nature et observation des oiseaux', de: 'Naturspaziergang mit Vogelbeobachtung', pt: 'Passeio na natureza e observação de aves', ru: 'Прогулка на природе и наблюдение за птицами', ar: 'نزهة في الطبيعة ومراقبة الطيور', hi: 'प्रकृति भ्रमण और पक्षी दर्शन', zh: '自然漫步与观鸟', ja: '自然散策とバードウォッチング' } },
  ],
  tech: [
    { key: 'javascript', text: { en: 'JavaScript developers meetup', es: 'Meetup de desarrolladores JavaScript', fr: 'Meetup des développeurs JavaScript', de: 'JavaScript-Entwickler-Meetup', pt: 'Meetup de desenvolvedores JavaScript', ru: 'Митап JavaScript-разработчиков', ar: 'لقاء مطوري جافاسكريبت', hi: 'जावास्क्रिप्ट डेवलपर मीटअप', zh: 'JavaScript开发者聚会', ja: 'JavaScript開発者ミートアップ' } },
    { key: 'machine-learning', text: { en: 'Machine learning talk', es: 'Charla sobre aprendizaje automático', fr: "Conférence sur l'apprentissage automatique", de: 'Vortrag über maschinelles Lernen', pt: 'Palestra sobre aprendizado de máquina', ru: 'Доклад о машинном обучении', ar: 'محاضرة عن تعلم الآلة', hi: 'मशीन लर्निंग पर व्याख्यान', zh: '机器学习技术讲座', ja: '機械学習の勉強会' } },
    { key: 'hackathon', text: { en: 'Weekend hackathon', es: 'Hackatón de fin de semana', fr: 'Hackathon du week-end', de: 'Wochenend-Hackathon', pt: 'Hackathon de fim de semana', ru: 'Хакатон выходного дня', ar: 'هاكاثون نهاية الأسبوع', hi: 'सप्ताहांत हैकाथॉन', zh: '周末黑客马拉松', ja: '週末ハッカソン' } },
    { key: 'demo-day', text: { en: 'Startup demo day', es: 'Demo day de startups', fr: 'Journée de démonstration de startups', de: 'Startup-Demo-Day', pt: 'Demo day de startups', ru: 'День демонстраций стартапов', ar: 'يوم عروض الشركات الناشئة', hi: 'स्टार्टअप डेमो डे', zh: '创业项目路演日', ja: 'スタートアップのデモデイ' } },
  ],
  business: [
    { key: 'networking', text: { en: 'Professional networking breakfast', es: 'Desayuno de networking profesional', fr: 'Petit-déjeuner de réseautage professionnel', de: 'Business-Networking-Frühstück', pt: 'Café da manhã de networking profissional', ru: 'Деловой завтрак для нетворкинга', ar: 'فطور للتواصل المهني', hi: 'पेशेवर नेटवर्किंग नाश्ता', zh: '商务社交早餐会', ja: 'ビジネス交流朝食会' } },
    { key: 'career-fair', text: { en: 'Career fair', es: 'Feria de empleo', fr: "Salon de l'emploi", de: 'Jobmesse', pt: 'Feira de carreiras', ru: 'Ярмарка вакансий', ar: 'معرض التوظيف', hi: 'रोज़गार मेला', zh: '招聘会', ja: '就職フェア' } },
    { key: 'founders-panel', text: { en: 'Founders and investors panel', es: 'Panel de fundadores e inversores', fr: 'Table ronde fondateurs et investisseurs', de: 'Panel mit Gründern und Investoren', pt: 'Painel de fundadores e investidores', ru: 'Панель основателей и инвесторов', ar: 'جلسة حوار بين المؤسسين والمستثمرين', hi: 'संस्थापकों और निवेशकों की पैनल चर्चा', zh: '创始人与投资人圆桌论坛', ja: '起業家と投資家のパネル討論' } },
    { key: 'marketing', text: { en: 'Digital marketing masterclass', es: 'Masterclass de marketing digital', fr: 'Masterclass en marketing digital', de: 'Masterclass Digitales Marketing', pt: 'Masterclass de marketing digital', ru: 'Мастер-класс по цифровому маркетингу', ar: 'ورشة متقدمة في التسويق الرقمي', hi: 'डिजिटल मार्केटिंग मास्टरक्लास', zh: '数字营销大师课', ja: 'デジタルマーケティング講座' } },
  ],
  education: [
    { key: 'language-exchange', text: { en: 'Language exchange evening', es: 'Intercambio de idiomas', fr: "Soirée d'échange linguistique", de: 'Sprachaustausch-Abend', pt: 'Encontro de intercâmbio de idiomas', ru: 'Вечер языкового обмена', ar: 'أمسية تبادل اللغات', hi: 'भाषा आदान-प्रदान संध्या', zh: '语言交换之夜', ja: '語学交流会' } },
    { key: 'history-lecture', text: { en: 'Public history lecture', es: 'Conferencia pública de historia', fr: "Conférence publique d'histoire", de: 'Öffentlicher Geschichtsvortrag', pt: 'Palestra aberta de história', ru: 'Открытая лекция по истории', ar: 'محاضرة عامة في التاريخ', hi: 'इतिहास पर सार्वजनिक व्याख्यान', zh: '历史公开讲座', ja: '歴史の公開講座' } },
    { key: 'book-club', text: { en: 'Book club discussion', es: 'Club de lectura', fr: 'Club de lecture', de: 'Lesekreis', pt: 'Clube do livro', ru: 'Встреча книжного клуба', ar: 'نادي القراءة', hi: 'पुस्तक क्लब चर्चा', zh: '读书会', ja: '読書会' } },
    { key: 'science-cafe', text: { en: 'Science café', es: 'Café científico', fr: 'Café des sciences', de: 'Wissenschaftscafé', pt: 'Café científico', ru: 'Научное кафе', ar: 'مقهى العلوم', hi: 'विज्ञान कैफ़े', zh: '科学咖啡馆', ja: 'サイエンスカフェ' } },
  ],
  family: [
    { key: 'kids-science', text: { en: "Kids' science workshop", es: 'Taller de ciencia para niños', fr: 'Atelier scientifique pour enfants', de: 'Wissenschaftsworkshop für Kinder', pt: 'Oficina de ciências para crianças', ru: 'Научный мастер-класс для детей', ar: 'ورشة علوم للأطفال', hi: 'बच्चों के लिए विज्ञान कार्यशाला', zh: '儿童科学工作坊', ja: '子ども向け科学教室' } },
    { key: 'puppet-show', text: { en: 'Puppet show for children', es: 'Función de títeres para niños', fr: 'Spectacle de marionnettes pour enfants', de: 'Puppentheater für Kinder', pt: 'Teatro de fantoches para crianças', ru: 'Кукольный спектакль для детей', ar: 'عرض دمى للأطفال', hi: 'बच्चों के लिए कठपुतली शो', zh: '儿童木偶剧', ja: '子ども向け人形劇' } },
    { key: 'family-day', text: { en: 'Family fun day in the park', es: 'Día familiar en el parque', fr: 'Journée en famille au parc', de: 'Familientag im Park', pt: 'Dia em família no parque', ru: 'Семейный праздник в парке', ar: 'يوم عائلي في الحديقة', hi: 'पार्क में पारिवारिक मेला', zh: '公园亲子日', ja: '公園でファミリーデー' } },
    { key: 'story-time', text: { en: 'Story time at the library', es: 'Cuentacuentos en la biblioteca', fr: "L'heure du conte à la bibliothèque", de: 'Vorlesestunde in der Bibliothek', pt: 'Hora do conto na biblioteca', ru: 'Сказки в библиотеке', ar: 'ساعة الحكايات في المكتبة', hi: 'पुस्तकालय में कहानी का समय', zh: '图书馆故事会', ja: '図書館のおはなし会' } },
  ],
  community: [
    { key: 'clean-up', text: { en: 'Neighbourhood clean-up volunteering', es: 'Voluntariado: limpieza del barrio', fr: 'Bénévolat : nettoyage du quartier', de: 'Nachbarschafts-Putzaktion', pt: 'Voluntariado: limpeza do bairro', ru: 'Субботник: уборка района', ar: 'تطوع لتنظيف الحي', hi: 'मोहल्ला सफ़ाई स्वयंसेवा', zh: '社区清洁志愿活动', ja: '地域清掃ボランティア' } },
    { key: 'newcomers', text: { en: 'Newcomers social meetup', es: 'Encuentro social para recién llegados', fr: 'Rencontre conviviale des nouveaux arrivants', de: 'Stammtisch für Neuankömmlinge', pt: 'Encontro social para recém-chegados', ru: 'Встреча для новичков в городе', ar: 'لقاء تعارف للقادمين الجدد', hi: 'नए लोगों के लिए मिलन समारोह', zh: '新朋友交友聚会', ja: '新しく来た人の交流会' } },
    { key: 'charity', text: { en: 'Charity fundraiser', es: 'Evento benéfico de recaudación', fr: 'Soirée caritative de collecte de fonds', de: 'Benefizveranstaltung', pt: 'Evento beneficente', ru: 'Благотворительный вечер', ar: 'فعالية خيرية لجمع التبرعات', hi: 'चैरिटी धन संग्रह कार्यक्रम', zh: '慈善募捐活动', ja: 'チャリティー募金イベント' } },
    { key: 'community-garden', text: { en: 'Community garden day', es: 'Jornada en el huerto comunitario', fr: 'Journée au jardin partagé', de: 'Gemeinschaftsgarten-Tag', pt: 'Dia na horta comunitária', ru: 'День общественного сада', ar: 'يوم الحديقة المجتمعية', hi: 'सामुदायिक बागवानी दिवस', zh: '社区花园日', ja: 'コミュニティガーデンの日' } },
  ],
  gaming: [
    { key: 'board-games', text: { en: 'Board game night', es: 'Noche de juegos de mesa', fr: 'Soirée jeux de société', de: 'Brettspielabend', pt: 'Noite de jogos de tabuleiro', ru: 'Вечер настольных игр', ar: 'ليلة ألعاب الطاولة', hi: 'बोर्ड गेम नाइट', zh: '桌游之夜', ja: 'ボードゲーム会' } },
    { key: 'esports', text: { en: 'Esports tournament', es: 'Torneo de esports', fr: "Tournoi d'esport", de: 'E-Sport-Turnier', pt: 'Torneio de e-sports', ru: 'Киберспортивный турнир', ar: 'بطولة الرياضات الإلكترونية', hi: 'ई-स्पोर्ट्स टूर्नामेंट', zh: '电子竞技比赛', ja: 'eスポーツ大会' } },
    { key: 'chess', text: { en: 'Rapid chess tournament', es: 'Torneo rápido de ajedrez', fr: "Tournoi d'échecs rapide", de: 'Schnellschachturnier', pt: 'Torneio de xadrez rápido', ru: 'Турнир по быстрым шахматам', ar: 'بطولة شطرنج سريع', hi: 'शतरंज रैपिड टूर्नामेंट', zh: '国际象棋快棋赛', ja: 'チェスの早指し大会' } },
    { key: 'role-playing', text: { en: 'Tabletop role-playing session', es: 'Partida de rol de mesa', fr: 'Partie de jeu de rôle', de: 'Pen-and-Paper-Rollenspielrunde', pt: 'Sessão de RPG de mesa', ru: 'Сессия настольной ролевой игры', ar: 'جلسة ألعاب تقمص الأدوار', hi: 'टेबलटॉप रोल-प्लेइंग सत्र', zh: '桌面角色扮演游戏', ja: 'TRPGセッション' } },
  ],
  wellness: [
    { key: 'meditation', text: { en: 'Guided meditation session', es: 'Sesión de meditación guiada', fr: 'Séance de méditation guidée', de: 'Geführte Meditation', pt: 'Sessão de meditação guiada', ru: 'Сеанс медитации с инструктором', ar: 'جلسة تأمل موجهة', hi: 'निर्देशित ध्यान सत्र', zh: '冥想引导课', ja: '瞑想ガイドセッション' } },
    { key: 'sound-bath', text: { en: 'Sound bath relaxation', es: 'Baño de sonido relajante', fr: 'Bain sonore relaxant', de: 'Klangschalen-Entspannung', pt: 'Banho de som relaxante', ru: 'Звуковая медитация с поющими чашами', ar: 'جلسة استرخاء بالأصوات', hi: 'साउंड बाथ विश्राम सत्र', zh: '颂钵疗愈放松', ja: 'サウンドバスでリラックス' } },
    { key: 'sleep-workshop', text: { en: 'Healthy sleep workshop', es: 'Taller de sueño saludable', fr: 'Atelier sommeil et santé', de: 'Workshop für gesunden Schlaf', pt: 'Oficina de sono saudável', ru: 'Мастер-класс по здоровому сну', ar: 'ورشة النوم الصحي', hi: 'स्वस्थ नींद कार्यशाला', zh: '健康睡眠工作坊', ja: '快眠ワークショップ' } },
    { key: 'mindfulness-retreat', text: { en: 'Mindfulness day retreat', es: 'Retiro de mindfulness de un día', fr: "Retraite de pleine conscience d'une journée", de: 'Achtsamkeits-Tagesretreat', pt: 'Retiro de mindfulness de um dia', ru: 'Однодневный ретрит осознанности', ar: 'خلوة يوم كامل لليقظة الذهنية', hi: 'एक दिवसीय माइंडफुलनेस शिविर', zh: '正念一日静修', ja: 'マインドフルネス1日リトリート' } },
  ],
};

/** One sentence per category and language, full of the category's own words. */
const BLURBS: Readonly<Record<string, Phrases>> = {
  music: { en: 'Live music from local artists, with a great sound system and an audience that loves to listen.', es: 'Música en directo de artistas locales, con buen sonido y un público que disfruta escuchando.', fr: 'De la musique live par des artistes locaux, un bon son et un public qui aime écouter.', de: 'Livemusik von lokalen Künstlern, guter Sound und ein Publikum, das gerne zuhört.', pt: 'Música ao vivo de artistas locais, com um ótimo som e um público que gosta de ouvir.', ru: 'Живая музыка от местных артистов, хороший звук и публика, которая любит слушать.', ar: 'موسيقى حية من فنانين محليين، مع صوت رائع وجمهور يحب الاستماع.', hi: 'स्थानीय कलाकारों का लाइव संगीत, बढ़िया साउंड और सुनने के शौकीन श्रोता।', zh: '本地音乐人的现场演出，音响出色，观众热爱聆听。', ja: '地元アーティストによる生演奏。音響も良く、音楽好きが集まります。' },
  nightlife: { en: 'Dance until late: DJs, a packed dance floor and drinks at the bar.', es: 'Baila hasta tarde: DJs, una pista llena y bebidas en la barra.', fr: "Danser jusqu'au bout de la nuit : des DJ, une piste pleine et un bar ouvert.", de: 'Tanzen bis spät: DJs, eine volle Tanzfläche und Drinks an der Bar.', pt: 'Dance até tarde: DJs, pista cheia e drinks no bar.', ru: 'Танцы до утра: диджеи, полный танцпол и напитки в баре.', ar: 'ارقص حتى وقت متأخر: منسقو أغانٍ وحلبة رقص مزدحمة ومشروبات.', hi: 'देर रात तक डांस: डीजे, भरा हुआ डांस फ़्लोर और बार में ड्रिंक्स।', zh: '跳舞到深夜：DJ、热闹的舞池和吧台饮品。', ja: '夜遅くまで踊ろう。DJ、満員のダンスフロア、バーでドリンクも。' },
  art: { en: 'Discover new artists and works, talk with the curators and enjoy the gallery.', es: 'Descubre nuevos artistas y obras, conversa con los comisarios y disfruta de la galería.', fr: 'Découvrez de nouveaux artistes et de nouvelles œuvres, échangez avec les commissaires et profitez de la galerie.', de: 'Entdecke neue Künstler und Werke, sprich mit den Kuratoren und genieße die Galerie.', pt: 'Descubra novos artistas e obras, converse com os curadores e aproveite a galeria.', ru: 'Откройте для себя новых художников и работы, пообщайтесь с кураторами и насладитесь галереей.', ar: 'اكتشف فنانين وأعمالاً جديدة، وتحدث مع القيّمين على المعرض واستمتع بالجاليري.', hi: 'नए कलाकारों और कृतियों को खोजें, क्यूरेटर से बात करें और गैलरी का आनंद लें।', zh: '发现新的艺术家和作品，与策展人交流，享受画廊时光。', ja: '新しいアーティストと作品に出会い、キュレーターと語り、ギャラリーを楽しもう。' },
  theatre: { en: 'A night at the theatre: actors on stage, laughter and applause.', es: 'Una noche de teatro: actores en escena, risas y aplausos.', fr: 'Une soirée au théâtre : des comédiens sur scène, des rires et des applaudissements.', de: 'Ein Abend im Theater: Schauspieler auf der Bühne, Gelächter und Applaus.', pt: 'Uma noite no teatro: atores no palco, risadas e aplausos.', ru: 'Вечер в театре: актёры на сцене, смех и аплодисменты.', ar: 'أمسية في المسرح: ممثلون على الخشبة وضحك وتصفيق.', hi: 'रंगमंच की एक शाम: मंच पर अभिनेता, हँसी और तालियाँ।', zh: '剧场之夜：演员登台，笑声与掌声不断。', ja: '劇場の夜。舞台の俳優たち、笑いと拍手。' },
  film: { en: 'A big screen, good films and a conversation about cinema afterwards.', es: 'Pantalla grande, buen cine y una charla sobre la película al final.', fr: 'Grand écran, bons films et une discussion sur le cinéma après la séance.', de: 'Große Leinwand, gute Filme und danach ein Gespräch über Kino.', pt: 'Tela grande, bons filmes e uma conversa sobre cinema depois da sessão.', ru: 'Большой экран, хорошие фильмы и обсуждение кино после показа.', ar: 'شاشة كبيرة وأفلام جيدة ونقاش حول السينما بعد العرض.', hi: 'बड़ा पर्दा, अच्छी फ़िल्में और शो के बाद सिनेमा पर चर्चा।', zh: '大银幕、好电影，放映后一起聊聊电影。', ja: '大きなスクリーンで良い映画を。上映後は映画について語り合います。' },
  food: { en: 'Taste local flavours, meet the cooks and share a table with food lovers.', es: 'Prueba sabores locales, conoce a los cocineros y comparte mesa con amantes de la gastronomía.', fr: 'Goûtez les saveurs locales, rencontrez les cuisiniers et partagez la table avec des gourmands.', de: 'Probiere regionale Spezialitäten, triff die Köche und teile den Tisch mit anderen Genießern.', pt: 'Prove sabores locais, conheça os cozinheiros e divida a mesa com amantes da gastronomia.', ru: 'Попробуйте местные блюда, познакомьтесь с поварами и разделите стол с гурманами.', ar: 'تذوق النكهات المحلية، وتعرّف على الطهاة، وشارك المائدة مع محبي الطعام.', hi: 'स्थानीय स्वाद चखें, रसोइयों से मिलें और खाने के शौकीनों के साथ भोजन करें।', zh: '品尝本地风味，认识厨师，与美食爱好者同桌共享。', ja: '地元の味を楽しみ、料理人と出会い、食べ物好きと同じテーブルを囲もう。' },
  sports: { en: 'Bring your trainers: teams, a friendly match and plenty of sport for all levels.', es: 'Trae tus zapatillas: equipos, un partido amistoso y deporte para todos los niveles.', fr: 'Apportez vos baskets : des équipes, un match amical et du sport pour tous les niveaux.', de: 'Bring deine Turnschuhe mit: Teams, ein Freundschaftsspiel und Sport für jedes Niveau.', pt: 'Traga seu tênis: times, uma partida amistosa e esporte para todos os níveis.', ru: 'Берите кроссовки: команды, товарищеский матч и спорт для любого уровня.', ar: 'أحضر حذاءك الرياضي: فرق ومباراة ودية ورياضة لجميع المستويات.', hi: 'अपने जूते लाइए: टीमें, दोस्ताना मैच और हर स्तर के लिए खेल।', zh: '带上运动鞋：组队、友谊赛，各种水平都能参加。', ja: 'スニーカーを持って集合。チームを組んで親善試合、どのレベルでも歓迎。' },
  fitness: { en: 'Get moving with a coach: a workout for every fitness level, stretching included.', es: 'Muévete con un entrenador: ejercicio para todos los niveles, estiramientos incluidos.', fr: 'Bougez avec un coach : un entraînement pour tous les niveaux, étirements compris.', de: 'Komm in Bewegung mit einem Coach: Training für jedes Fitnesslevel, Dehnen inklusive.', pt: 'Mexa-se com um treinador: treino para todos os níveis, alongamento incluído.', ru: 'Двигайтесь вместе с тренером: тренировка для любого уровня подготовки, растяжка включена.', ar: 'تحرّك مع مدرب: تمرين لكل مستويات اللياقة مع تمارين الإطالة.', hi: 'कोच के साथ व्यायाम करें: हर फ़िटनेस स्तर के लिए वर्कआउट, स्ट्रेचिंग सहित।', zh: '跟着教练动起来：适合各种体能水平的训练，包含拉伸。', ja: 'コーチと一緒に体を動かそう。どの体力レベルでも参加でき、ストレッチ付き。' },
  outdoors: { en: 'Fresh air and nature: a trail, landscapes and a guide who knows the way.', es: 'Aire libre y naturaleza: un sendero, paisajes y un guía que conoce el camino.', fr: 'Grand air et nature : un sentier, des paysages et un guide qui connaît le chemin.', de: 'Frische Luft und Natur: ein Wanderweg, schöne Landschaften und ein Guide, der den Weg kennt.', pt: 'Ar livre e natureza: uma trilha, paisagens e um guia que conhece o caminho.', ru: 'Свежий воздух и природа: тропа, красивые пейзажи и гид, который знает дорогу.', ar: 'هواء نقي وطبيعة: مسار ومناظر خلابة ومرشد يعرف الطريق.', hi: 'ताज़ी हवा और प्रकृति: एक पगडंडी, सुंदर नज़ारे और रास्ता जानने वाला गाइड।', zh: '新鲜空气与大自然：步道、美景和熟悉路线的向导。', ja: '新鮮な空気と自然。トレイル、絶景、道を知るガイドが一緒です。' },
  tech: { en: 'Talks by software engineers, code demos and time to meet other developers.', es: 'Charlas de ingenieros de software, demos de código y tiempo para conocer a otros desarrolladores.', fr: "Des présentations d'ingénieurs logiciel, des démos de code et du temps pour rencontrer d'autres développeurs.", de: 'Vorträge von Softwareentwicklern, Code-Demos und Zeit zum Austausch mit anderen Entwicklern.', pt: 'Palestras de engenheiros de software, demos de código e tempo para conhecer outros desenvolvedores.', ru: 'Доклады программистов, демонстрации кода и время познакомиться с другими разработчиками.', ar: 'محاضرات من مهندسي البرمجيات وعروض للأكواد ووقت للتعرف على مطورين آخرين.', hi: 'सॉफ़्टवेयर इंजीनियरों के व्याख्यान, कोड डेमो और दूसरे डेवलपरों से मिलने का समय।', zh: '软件工程师的技术分享、代码演示，以及与其他开发者交流的时间。', ja: 'ソフトウェアエンジニアによる発表、コードのデモ、開発者同士の交流タイム。' },
  business: { en: 'Meet entrepreneurs and professionals, exchange business cards and grow your career.', es: 'Conoce a emprendedores y profesionales, intercambia contactos y haz crecer tu carrera.', fr: 'Rencontrez entrepreneurs et professionnels, échangez vos cartes et faites avancer votre carrière.', de: 'Triff Gründer und Fachleute, tausche Visitenkarten und bring deine Karriere voran.', pt: 'Conheça empreendedores e profissionais, troque contatos e impulsione sua carreira.', ru: 'Знакомьтесь с предпринимателями и профессионалами, обменивайтесь контактами и развивайте карьеру.', ar: 'تعرّف على رواد الأعمال والمهنيين، وتبادل بطاقات العمل وطوّر مسيرتك المهنية.', hi: 'उद्यमियों और पेशेवरों से मिलें, संपर्क बढ़ाएँ और अपने करियर को आगे बढ़ाएँ।', zh: '结识创业者和职场人士，交换名片，助力职业发展。', ja: '起業家やビジネスパーソンと出会い、名刺交換をしてキャリアを広げよう。' },
  education: { en: 'Learn something new with an expert speaker, questions and answers included.', es: 'Aprende algo nuevo con un ponente experto, con ronda de preguntas incluida.', fr: 'Apprenez quelque chose de nouveau avec un intervenant expert, questions-réponses comprises.', de: 'Lerne etwas Neues mit einem erfahrenen Referenten, inklusive Fragerunde.', pt: 'Aprenda algo novo com um palestrante especialista, com perguntas e respostas.', ru: 'Узнайте что-то новое от опытного лектора, вопросы и ответы включены.', ar: 'تعلّم شيئاً جديداً مع متحدث خبير، مع جلسة للأسئلة والأجوبة.', hi: 'विशेषज्ञ वक्ता के साथ कुछ नया सीखें, प्रश्नोत्तर सहित।', zh: '跟随专家讲师学习新知识，包含问答环节。', ja: '専門家の講師から新しいことを学べます。質疑応答あり。' },
  family: { en: 'Fun for the whole family: activities for kids and parents together.', es: 'Diversión para toda la familia: actividades para niños y padres juntos.', fr: 'Du plaisir pour toute la famille : des activités pour les enfants et les parents ensemble.', de: 'Spaß für die ganze Familie: Aktivitäten für Kinder und Eltern gemeinsam.', pt: 'Diversão para toda a família: atividades para crianças e pais juntos.', ru: 'Развлечения для всей семьи: занятия для детей и родителей вместе.', ar: 'متعة لكل العائلة: أنشطة للأطفال والآباء معاً.', hi: 'पूरे परिवार के लिए मनोरंजन: बच्चों और माता-पिता के लिए साथ में गतिविधियाँ।', zh: '全家同乐：孩子和父母一起参加的亲子活动。', ja: '家族みんなで楽しめる。子どもと親が一緒に参加できるアクティビティ。' },
  community: { en: 'Meet your neighbours and give back to your community together.', es: 'Conoce a tus vecinos y aporta algo a tu comunidad.', fr: 'Rencontrez vos voisins et agissez ensemble pour votre quartier.', de: 'Lerne deine Nachbarn kennen und tu gemeinsam etwas für dein Viertel.', pt: 'Conheça seus vizinhos e contribua com a sua comunidade.', ru: 'Познакомьтесь с соседями и сделайте что-то полезное для своего района.', ar: 'تعرّف على جيرانك وساهم في خدمة مجتمعك.', hi: 'अपने पड़ोसियों से मिलें और मिलकर अपने समुदाय की सेवा करें।', zh: '认识你的邻居，一起为社区出一份力。', ja: 'ご近所さんと知り合い、地域のために一緒に活動しよう。' },
  gaming: { en: 'Games, players and friendly competition: bring your strategy.', es: 'Juegos, jugadores y competencia amistosa: trae tu estrategia.', fr: 'Des jeux, des joueurs et une compétition amicale : venez avec votre stratégie.', de: 'Spiele, Mitspieler und freundschaftlicher Wettkampf: bring deine Strategie mit.', pt: 'Jogos, jogadores e competição amigável: traga sua estratégia.', ru: 'Игры, игроки и дружеское соперничество: приходите со своей стратегией.', ar: 'ألعاب ولاعبون ومنافسة ودية: أحضر خطتك.', hi: 'खेल, खिलाड़ी और दोस्ताना मुकाबला: अपनी रणनीति साथ लाएँ।', zh: '游戏、玩家和友好的比赛：带上你的策略。', ja: 'ゲーム、プレイヤー、そして和やかな対戦。作戦を練って参加しよう。' },
  wellness: { en: 'Slow down and recharge: breathing, relaxation and care for body and mind.', es: 'Baja el ritmo y recarga energía: respiración, relajación y cuidado del cuerpo y la mente.', fr: "Ralentir et se ressourcer : respiration, relaxation et soin du corps et de l'esprit.", de: 'Zur Ruhe kommen und Energie tanken: Atmung, Entspannung und Pflege für Körper und Geist.', pt: 'Desacelere e recarregue as energias: respiração, relaxamento e cuidado com o corpo e a mente.', ru: 'Замедлитесь и восстановите силы: дыхание, расслабление и забота о теле и уме.', ar: 'تمهّل واستعد طاقتك: تنفس واسترخاء وعناية بالجسد والعقل.', hi: 'थोड़ा रुकें और ऊर्जा पाएँ: साँस, विश्राम और तन-मन की देखभाल।', zh: '放慢脚步，恢复能量：呼吸、放松，关爱身心。', ja: 'ペースを落としてリフレッシュ。呼吸、リラックス、心と体のケア。' },
};

/** The words around the topic: style tags and lines, logistics, calls to action, punctuation. */
interface LanguageKit {
  /** Between title parts. */
  separator: string;
  /** Between sentences ('' for languages written without spaces). */
  sentenceGap: string;
  casualTags: readonly string[];
  premiumTags: readonly string[];
  casualLines: readonly string[];
  premiumLines: readonly string[];
  free: string;
  /** `{price}` and `{currency}` are filled in. */
  paid: string;
  online: string;
  /** `{city}` is filled in. */
  venue: string;
  calls: readonly string[];
}

const KITS: Readonly<Record<TextLanguage, LanguageKit>> = {
  en: {
    separator: ' · ', sentenceGap: ' ',
    casualTags: ['open to all', 'casual meetup', 'friendly get-together'],
    premiumTags: ['VIP edition', 'exclusive evening', 'premium experience'],
    casualLines: ['Relaxed atmosphere, come as you are and bring a friend.', 'Informal and friendly: beginners are very welcome.'],
    premiumLines: ['An exclusive, carefully curated experience with limited places.', 'A premium event with top-class hosts and attention to every detail.'],
    free: 'Free entry.', paid: 'Tickets: {price} {currency}.', online: 'Online event: join from anywhere via the video link.', venue: 'At a venue in {city}.',
    calls: ['Register now to save your spot.', 'See you there!', 'Places are limited, register early.'],
  },
  es: {
    separator: ' · ', sentenceGap: ' ',
    casualTags: ['abierto a todos', 'encuentro informal', 'quedada entre amigos'],
    premiumTags: ['edición VIP', 'velada exclusiva', 'experiencia premium'],
    casualLines: ['Ambiente relajado: ven como eres y trae a un amigo.', 'Informal y cercano: los principiantes son muy bienvenidos.'],
    premiumLines: ['Una experiencia exclusiva y cuidadosamente seleccionada, con plazas limitadas.', 'Un evento premium con anfitriones de primer nivel y atención a cada detalle.'],
    free: 'Entrada gratuita.', paid: 'Entradas: {price} {currency}.', online: 'Evento en línea: únete desde cualquier lugar con el enlace de vídeo.', venue: 'En un local de {city}.',
    calls: ['Inscríbete ahora para reservar tu plaza.', '¡Te esperamos!', 'Plazas limitadas, inscríbete pronto.'],
  },
  fr: {
    separator: ' · ', sentenceGap: ' ',
    casualTags: ['ouvert à tous', 'rencontre décontractée', 'entre amis'],
    premiumTags: ['édition VIP', 'soirée exclusive', 'expérience premium'],
    casualLines: ['Ambiance détendue : venez comme vous êtes et amenez un ami.', 'Informel et convivial : les débutants sont les bienvenus.'],
    premiumLines: ['Une expérience exclusive et soigneusement préparée, places limitées.', 'Un événement haut de gamme, avec des hôtes de grande qualité et le souci du détail.'],
    free: 'Entrée libre.', paid: 'Billets : {price} {currency}.', online: "Événement en ligne : rejoignez-nous de n'importe où grâce au lien vidéo.", venue: 'Dans un lieu à {city}.',
    calls: ['Inscrivez-vous pour réserver votre place.', 'À bientôt !', 'Places limitées, inscrivez-vous vite.'],
  },
  de: {
    separator: ' · ', sentenceGap: ' ',
    casualTags: ['offen für alle', 'lockeres Treffen', 'unter Freunden'],
    premiumTags: ['VIP-Edition', 'exklusiver Abend', 'Premium-Erlebnis'],
    casualLines: ['Entspannte Atmosphäre: komm, wie du bist, und bring Freunde mit.', 'Locker und herzlich: Anfänger sind sehr willkommen.'],
    premiumLines: ['Ein exklusives, sorgfältig kuratiertes Erlebnis mit begrenzten Plätzen.', 'Ein Premium-Event mit erstklassigen Gastgebern und Liebe zum Detail.'],
    free: 'Eintritt frei.', paid: 'Tickets: {price} {currency}.', online: 'Online-Veranstaltung: von überall per Videolink dabei sein.', venue: 'In einer Location in {city}.',
    calls: ['Jetzt anmelden und Platz sichern.', 'Wir sehen uns!', 'Begrenzte Plätze, melde dich früh an.'],
  },
  pt: {
    separator: ' · ', sentenceGap: ' ',
    casualTags: ['aberto a todos', 'encontro descontraído', 'entre amigos'],
    premiumTags: ['edição VIP', 'noite exclusiva', 'experiência premium'],
    casualLines: ['Clima descontraído: venha como você é e traga um amigo.', 'Informal e acolhedor: iniciantes são muito bem-vindos.'],
    premiumLines: ['Uma experiência exclusiva e cuidadosamente preparada, com vagas limitadas.', 'Um evento premium com anfitriões de primeira e atenção a cada detalhe.'],
    free: 'Entrada gratuita.', paid: 'Ingressos: {price} {currency}.', online: 'Evento online: participe de qualquer lugar pelo link de vídeo.', venue: 'Em um espaço em {city}.',
    calls: ['Inscreva-se agora e garanta sua vaga.', 'Até lá!', 'Vagas limitadas, inscreva-se logo.'],
  },
  ru: {
    separator: ' · ', sentenceGap: ' ',
    casualTags: ['для всех', 'неформальная встреча', 'в дружеском кругу'],
    premiumTags: ['VIP-формат', 'эксклюзивный вечер', 'премиум-формат'],
    casualLines: ['Непринуждённая атмосфера: приходите как есть и берите с собой друзей.', 'Неформально и дружелюбно: новичкам всегда рады.'],
    premiumLines: ['Эксклюзивная, тщательно продуманная программа, количество мест ограничено.', 'Премиальное мероприятие с ведущими высокого класса и вниманием к каждой детали.'],
    free: 'Вход свободный.', paid: 'Билеты: {price} {currency}.', online: 'Онлайн-мероприятие: подключайтесь откуда угодно по видеоссылке.', venue: 'Место проведения: {city}.',
    calls: ['Зарегистрируйтесь сейчас, чтобы забронировать место.', 'До встречи!', 'Количество мест ограничено, регистрируйтесь заранее.'],
  },
  ar: {
    separator: ' - ', sentenceGap: ' ',
    casualTags: ['مفتوح للجميع', 'لقاء غير رسمي', 'بين الأصدقاء'],
    premiumTags: ['نسخة كبار الشخصيات', 'أمسية حصرية', 'تجربة فاخرة'],
    casualLines: ['أجواء مريحة: تعال كما أنت واصطحب صديقاً.', 'غير رسمي وودود: المبتدئون مرحب بهم دائماً.'],
    premiumLines: ['تجربة حصرية ومنتقاة بعناية، والمقاعد محدودة.', 'فعالية فاخرة مع مضيفين من الطراز الأول واهتمام بكل التفاصيل.'],
    free: 'الدخول مجاني.', paid: 'التذاكر: {price} {currency}.', online: 'فعالية عبر الإنترنت: انضم من أي مكان عبر رابط الفيديو.', venue: 'في مكان في {city}.',
    calls: ['سجّل الآن لحجز مكانك.', 'نراكم هناك!', 'الأماكن محدودة، سجّل مبكراً.'],
  },
  hi: {
    separator: ' · ', sentenceGap: ' ',
    casualTags: ['सभी के लिए खुला', 'अनौपचारिक मुलाक़ात', 'दोस्तों के साथ'],
    premiumTags: ['वीआईपी संस्करण', 'विशेष शाम', 'प्रीमियम अनुभव'],
    casualLines: ['आरामदायक माहौल: जैसे हैं वैसे आइए और एक दोस्त को साथ लाइए।', 'अनौपचारिक और दोस्ताना: नए लोगों का बहुत स्वागत है।'],
    premiumLines: ['एक विशेष, ध्यान से तैयार किया गया अनुभव, सीमित सीटें।', 'शीर्ष मेज़बानों और हर बारीकी पर ध्यान के साथ एक प्रीमियम कार्यक्रम।'],
    free: 'प्रवेश निःशुल्क।', paid: 'टिकट: {price} {currency}।', online: 'ऑनलाइन कार्यक्रम: वीडियो लिंक से कहीं से भी जुड़ें।', venue: '{city} में एक स्थल पर।',
    calls: ['अपनी जगह पक्की करने के लिए अभी रजिस्टर करें।', 'वहाँ मिलते हैं!', 'सीटें सीमित हैं, जल्दी रजिस्टर करें।'],
  },
  zh: {
    separator: '｜', sentenceGap: '',
    casualTags: ['人人可参加', '轻松小聚', '朋友聚会'],
    premiumTags: ['VIP专场', '尊享之夜', '高端体验'],
    casualLines: ['氛围轻松：随性而来，欢迎带上朋友。', '非正式、友好：非常欢迎新手参加。'],
    premiumLines: ['精心策划的专属体验，名额有限。', '高端活动，一流主持团队，注重每一个细节。'],
    free: '免费入场。', paid: '门票：{price} {currency}。', online: '线上活动：通过视频链接随时随地参加。', venue: '地点：{city}。',
    calls: ['立即报名，预留你的位置。', '不见不散！', '名额有限，请尽早报名。'],
  },
  ja: {
    separator: '｜', sentenceGap: '',
    casualTags: ['どなたでも歓迎', '気軽な集まり', '仲間と一緒に'],
    premiumTags: ['VIP特別版', '特別な夜', 'プレミアム体験'],
    casualLines: ['リラックスした雰囲気です。気軽に友達を誘ってどうぞ。', 'カジュアルで和やかな会です。初心者も大歓迎。'],
    premiumLines: ['厳選された特別な体験をお届けします。定員に限りがあります。', '一流のホストと細部までこだわったプレミアムなイベントです。'],
    free: '参加無料。', paid: 'チケット：{price} {currency}。', online: 'オンライン開催：ビデオリンクからどこでも参加できます。', venue: '会場：{city}。',
    calls: ['今すぐ申し込んで席を確保しましょう。', '会場でお会いしましょう！', '定員に限りがあります。お早めにお申し込みください。'],
  },
};

/** Style beyond ±this shows in the text; in between the event reads neutral. */
export const STYLE_TEXT_THRESHOLD = 0.3;

export interface EventTextInput {
  language: TextLanguage;
  /** Index into CATEGORIES. */
  category: number;
  /** Latent style: negative casual, positive premium. */
  style: number;
  /** City name as it should appear in this language. */
  cityName: string;
  online: boolean;
  /** 0 means free. */
  price: number;
  currency: string;
}

export interface EventText {
  title: string;
  description: string;
  /** English slug of the topic (written as a tag). */
  topic: string;
}

export function topicCount(category: number): number {
  return TOPICS[CATEGORY_NAMES[category]].length;
}

/** Composes title and description; every choice comes from `rng`. */
export function composeEventText(input: EventTextInput, rng: Rng): EventText {
  const name = CATEGORY_NAMES[input.category];
  const topic = rng.pick(TOPICS[name]);
  const kit = KITS[input.language];
  const core = topic.text[input.language];
  const styled = input.style <= -STYLE_TEXT_THRESHOLD ? 'casual' : input.style >= STYLE_TEXT_THRESHOLD ? 'premium' : 'neutral';
  const r = rng.next();
  let title = core;
  if (styled !== 'neutral' && r < 0.45) {
    title = core + kit.separator + rng.pick(styled === 'casual' ? kit.casualTags : kit.premiumTags);
  } else if (r < 0.75 && !input.online) {
    title = core + kit.separator + input.cityName;
  }
  const sentences = [BLURBS[name][input.language]];
  if (styled !== 'neutral') sentences.push(rng.pick(styled === 'casual' ? kit.casualLines : kit.premiumLines));
  sentences.push(input.price > 0 ? kit.paid.replace('{price}', formatPrice(input.price)).replace('{currency}', input.currency) : kit.free);
  sentences.push(input.online ? kit.online : kit.venue.replace('{city}', input.cityName));
  sentences.push(rng.pick(kit.calls));
  return { title, description: sentences.join(kit.sentenceGap), topic: topic.key };
}

function formatPrice(price: number): string {
  return Number.isInteger(price) ? String(price) : price.toFixed(2);
}
