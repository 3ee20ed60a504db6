"""The tables the demo network is built from: countries, their cities, naming patterns.

Each country names its libraries in its own language and script, from patterns of its
language profile and the native names of real cities. National libraries, international
organisations, consortia and vendors carry their real names. Nothing here is random;
`generate.py` draws from these tables with a seeded generator.

Compact spellings, parsed once at import:
  cities   "native|English|Chinese|form|zone; ..."  (form: the genitive, locative or
           adjective the profile's patterns need; zone when it differs from the country's)
  people   "native|romanised; ..."  (romanised may be left out for Latin script)
  streets  "native|romanised; ..."
"""

import unicodedata
from dataclasses import dataclass, field

# A holiday: (month, day, number of days, native name, English name).
Holiday = tuple[int, int, int, str, str]

_ASCII = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d",
                        "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ß": "ss", "ʻ": "", "’": ""})  # fmt: skip


def ascii_text(text: str) -> str:
    """Latin text without diacritics, keeping case (“Łódź” → “Lodz”)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _pairs(spec: str) -> list[tuple[str, str]]:
    pairs = []
    for item in spec.split(";"):
        item = item.strip()
        if item:
            native, _sep, roman = item.partition("|")
            pairs.append((native.strip(), roman.strip() or ascii_text(native.strip())))
    return pairs


@dataclass(frozen=True)
class City:
    native: str
    en: str
    zh: str
    form: str  # the declined or adjectival form the profile's patterns use
    zone: str  # "" means the country's zone


def _cities(spec: str) -> list[City]:
    cities = []
    for item in spec.split(";"):
        if not item.strip():
            continue
        native, en, zh, form, zone = ([p.strip() for p in item.split("|")] + ["", "", "", ""])[:5]
        cities.append(City(native, en or native, zh, form or native, zone))
    return cities


@dataclass
class Profile:
    """How libraries are named, people called and addresses written in one language."""

    university: str
    public: str
    research: str
    branch: str  # appended to a university library's name for its branch unit
    people: list[tuple[str, str]]
    streets: list[tuple[str, str]]
    holidays: list[Holiday] = field(default_factory=list)
    join: str = ", "  # between a library's name and its branch's
    postcode: str = "#####"
    # The native address in one line, for scripts that write it so: {p} postcode, {c} city,
    # {f} the city's form, {s} street, {n} number.
    address: str = ""


def P(university, public, research, branch, people, streets, holidays=(), **kw) -> Profile:
    return Profile(university, public, research, branch, _pairs(people), _pairs(streets),
                   list(holidays), **kw)  # fmt: skip


# The tables are laid out by hand, one entry per line or two, to be read as tables.
# fmt: off
XMAS: list[Holiday] = [(12, 25, 1, "Christmas Day", "Christmas Day")]
NEW_YEAR = (1, 1, 1, "New Year's Day", "New Year's Day")

PROFILES: dict[str, Profile] = {
    "zh": P("{c}大学图书馆", "{c}图书馆", "中国科学院{c}文献情报中心", "医学分馆",
            "张明|Zhang Ming; 刘芳|Liu Fang; 陈静|Chen Jing; 杨帆|Yang Fan; 赵磊|Zhao Lei; 黄晓燕|Huang Xiaoyan",
            "学院路|Xueyuan Lu; 中山路|Zhongshan Lu; 人民大道|Renmin Dadao",
            [(1, 1, 1, "元旦", "New Year's Day"), (5, 1, 5, "劳动节", "Labour Day"),
             (10, 1, 7, "国庆节", "National Day")], join="", postcode="######",
            address="{p} {c}市{s}{n}号"),
    "zh-hant": P("{c}大學圖書館", "{c}公共圖書館", "{c}科技大學圖書館", "醫學圖書館",
                 "陳志明|Chan Chi-ming; 李美玲|Lee Mei-ling; 黃家豪|Wong Ka-ho; 張慧敏|Cheung Wai-man",
                 "大學道|University Road; 皇后大道|Queen's Road; 彌敦道|Nathan Road",
                 [(1, 1, 1, "元旦", "New Year's Day"), (12, 25, 2, "聖誕節", "Christmas")],
                 join="", postcode="",
                 address="{c}{s}{n}號"),
    "ja": P("{c}大学附属図書館", "{c}市立中央図書館", "{c}工業大学附属図書館", "医学分館",
            "山田 花子|Yamada Hanako; 佐藤 健一|Sato Ken'ichi; 鈴木 美咲|Suzuki Misaki; "
            "高橋 誠|Takahashi Makoto; 田中 由美|Tanaka Yumi; 渡辺 大輔|Watanabe Daisuke",
            "本町|Honmachi; 吉田本町|Yoshida-honmachi; 中央|Chuo",
            [(1, 1, 3, "年末年始休館", "New Year holidays"), (5, 3, 3, "憲法記念日・みどりの日・こどもの日", "Golden Week"),
             (11, 3, 1, "文化の日", "Culture Day")], join="", postcode="###-####",
            address="〒{p} {f}{s}{n}番地"),
    "ko": P("{c}대학교 도서관", "{c}시립도서관", "{c}과학기술원 도서관", "의학도서관",
            "김민준|Kim Min-jun; 이서연|Lee Seo-yeon; 박지훈|Park Ji-hun; 최수빈|Choi Su-bin; 정하은|Jung Ha-eun",
            "대학로|Daehak-ro; 중앙로|Jungang-ro; 관악로|Gwanak-ro",
            [(1, 1, 1, "신정", "New Year's Day"), (8, 15, 1, "광복절", "Liberation Day"),
             (10, 9, 1, "한글날", "Hangeul Day")], join=" ", address="({p}) {c} {s} {n}"),
    "mn": P("{c} хотын их сургуулийн номын сан", "{c} хотын нийтийн номын сан",
            "{c} хотын шинжлэх ухааны номын сан", "анагаах ухааны салбар номын сан",
            "Батболд Ганбаатар|Batbold Ganbaatar; Оюунчимэг Дорж|Oyuunchimeg Dorj; Энхтуяа Баяр|Enkhtuya Bayar",
            "Энхтайваны өргөн чөлөө|Enkhtaivan Avenue; Сөүлийн гудамж|Seoul Street",
            [(1, 1, 1, "Шинэ жил", "New Year's Day")]),
    "vi": P("Thư viện Trường Đại học {c}", "Thư viện Khoa học Tổng hợp {c}", "Thư viện Viện Nghiên cứu {c}",
            "Thư viện Y khoa",
            "Nguyễn Văn An; Trần Thị Mai; Lê Minh Tuấn; Phạm Thu Hương; Hoàng Đức Anh",
            "Đường Trần Hưng Đạo; Đường Lê Lợi; Phố Tràng Thi",
            [(1, 1, 1, "Tết Dương lịch", "New Year's Day"), (4, 30, 2, "Ngày Giải phóng miền Nam và Quốc tế Lao động", "Reunification Day and Labour Day")]),  # noqa: E501
    "th": P("สำนักหอสมุด มหาวิทยาลัย{c}", "ห้องสมุดประชาชนจังหวัด{c}", "ห้องสมุดสถาบันวิจัย{c}",
            "ห้องสมุดคณะแพทยศาสตร์",
            "สมชาย ใจดี|Somchai Jaidee; สุภาพร ศรีสุข|Supaporn Srisuk; วิทยา แสงทอง|Wittaya Saengthong; "
            "กาญจนา บุญมี|Kanchana Boonmee",
            "ถนนห้วยแก้ว|Huay Kaew Road; ถนนพญาไท|Phaya Thai Road; ถนนมิตรภาพ|Mittraphap Road",
            [(1, 1, 1, "วันขึ้นปีใหม่", "New Year's Day"), (4, 13, 3, "วันสงกรานต์", "Songkran")], join=" "),
    "ms": P("Perpustakaan Universiti {c}", "Perpustakaan Awam {c}", "Perpustakaan Institut Penyelidikan {c}",
            "Perpustakaan Perubatan",
            "Ahmad bin Ismail; Nur Aisyah binti Hassan; Tan Wei Ling; Siti Aminah binti Yusof; Rajesh a/l Kumar",
            "Jalan Universiti; Jalan Tun Razak; Lebuh Pantai", [NEW_YEAR]),
    "id": P("Perpustakaan Universitas {c}", "Perpustakaan Umum Kota {c}", "Perpustakaan Lembaga Penelitian {c}",
            "Perpustakaan Kedokteran",
            "Budi Santoso; Siti Rahayu; Agus Wijaya; Dewi Lestari; Rina Kusuma",
            "Jalan Merdeka; Jalan Sudirman; Jalan Diponegoro", [NEW_YEAR]),
    "en": P("{c} University Library", "{c} Public Library", "{c} Institute of Technology Library",
            "Medical Library",
            "Sarah Johnson; David Thompson; Emily Clarke; Michael Brown; Rachel Green; James Wilson",
            "High Street; Library Road; University Avenue", [NEW_YEAR, *XMAS]),
    "km": P("បណ្ណាល័យសាកលវិទ្យាល័យ{c}", "បណ្ណាល័យសាធារណៈ{c}", "បណ្ណាល័យវិទ្យាស្ថានស្រាវជ្រាវ{c}",
            "បណ្ណាល័យវេជ្ជសាស្ត្រ",
            "សុខ ចាន់ធី|Sok Chanthy; ចាន់ សុភា|Chan Sophea; ហេង ដារ៉ា|Heng Dara",
            "មហាវិថីព្រះនរោត្តម|Preah Norodom Boulevard; ផ្លូវ ៩២|Street 92", join=" "),
    "lo": P("ຫໍສະໝຸດມະຫາວິທະຍາໄລ{c}", "ຫໍສະໝຸດປະຊາຊົນ{c}", "ຫໍສະໝຸດສະຖາບັນຄົ້ນຄວ້າ{c}", "ຫໍສະໝຸດການແພດ",
            "ສົມພອນ ແກ້ວມະນີ|Somphone Keomany; ບຸນມີ ພົມມະຈັນ|Bounmy Phommachanh; ຄຳຫລ້າ ສີສຸວັນ|Khamla Sisouvanh",
            "ຖະໜົນເສດຖາທິລາດ|Setthathirath Road; ຖະໜົນສາມແສນໄທ|Samsenthai Road", join=" "),
    "my": P("{c}တက္ကသိုလ် စာကြည့်တိုက်", "{c} ပြည်သူ့စာကြည့်တိုက်", "{c} သုတေသနဌာန စာကြည့်တိုက်",
            "ဆေးပညာ စာကြည့်တိုက်",
            "အောင်ကျော်|Aung Kyaw; ခင်မာလာ|Khin Mar Lar; ဇော်ဝင်း|Zaw Win",
            "ပြည်လမ်း|Pyay Road; တက္ကသိုလ်ရိပ်သာလမ်း|University Avenue", join=" "),
    "hi": P("{c} विश्वविद्यालय पुस्तकालय", "{c} सार्वजनिक पुस्तकालय", "{c} प्रौद्योगिकी संस्थान पुस्तकालय",
            "चिकित्सा पुस्तकालय",
            "राहुल शर्मा|Rahul Sharma; प्रिया वर्मा|Priya Verma; अमित कुमार|Amit Kumar; सुनीता सिंह|Sunita Singh; "
            "अनिल गुप्ता|Anil Gupta",
            "महात्मा गांधी मार्ग|Mahatma Gandhi Marg; विश्वविद्यालय मार्ग|University Road", postcode="######"),
    "ur": P("کتب خانہ جامعہ {c}", "{c} پبلک لائبریری", "{c} انسٹی ٹیوٹ آف ٹیکنالوجی لائبریری", "طبی کتب خانہ",
            "محمد علی|Muhammad Ali; عائشہ خان|Ayesha Khan; عمران احمد|Imran Ahmed; فاطمہ بی بی|Fatima Bibi",
            "شاہراہ قائداعظم|Shahrah-e-Quaid-e-Azam; مال روڈ|Mall Road"),
    "bn": P("{c} বিশ্ববিদ্যালয় গ্রন্থাগার", "সরকারি গণগ্রন্থাগার, {c}", "{c} প্রকৌশল বিশ্ববিদ্যালয় গ্রন্থাগার",
            "চিকিৎসা গ্রন্থাগার",
            "মোহাম্মদ রহমান|Mohammad Rahman; ফারহানা আক্তার|Farhana Akter; তানভীর হাসান|Tanvir Hasan; "
            "নুসরাত জাহান|Nusrat Jahan",
            "শাহবাগ সড়ক|Shahbag Road; নীলক্ষেত|Nilkhet", [(2, 21, 1, "শহীদ দিবস", "Language Martyrs' Day")],
            postcode="####"),
    "si": P("{c} විශ්වවිද්‍යාලය පුස්තකාලය", "{c} මහජන පුස්තකාලය", "{c} තාක්ෂණ ආයතනය පුස්තකාලය", "වෛද්‍ය පුස්තකාලය",
            "නිමල් පෙරේරා|Nimal Perera; කුමාරි සිල්වා|Kumari Silva; රුවන් ජයසිංහ|Ruwan Jayasinghe",
            "ගාලු පාර|Galle Road; පේරාදෙණිය පාර|Peradeniya Road"),
    "kk": P("{f} мемлекеттік университетінің кітапханасы", "{c} қалалық орталық кітапханасы",
            "{c} ғылыми-техникалық кітапханасы", "медициналық кітапхана",
            "Айгүл Нұрланқызы|Aigul Nurlankyzy; Ерлан Сейітов|Yerlan Seitov; Дана Жұмабаева|Dana Zhumabayeva",
            "Абай даңғылы|Abai Avenue; Тәуелсіздік даңғылы|Tauelsizdik Avenue",
            [(1, 1, 2, "Жаңа жыл", "New Year"), (3, 21, 3, "Наурыз мейрамы", "Nauryz")], postcode="######"),
    "uz": P("{c} davlat universiteti axborot-resurs markazi", "{c} viloyat axborot-kutubxona markazi",
            "{c} texnika universiteti axborot-resurs markazi", "tibbiyot kutubxonasi",
            "Dilshod Karimov; Nodira Yusupova; Sherzod Rahimov; Malika Tursunova",
            "Amir Temur shoh ko‘chasi|Amir Temur Avenue; Universitet ko‘chasi|Universitet Street",
            [(3, 21, 1, "Navro‘z bayrami", "Nowruz")], postcode="######"),
    "ru": P("Научная библиотека {f} государственного университета", "Центральная городская библиотека г. {c}",
            "Библиотека {f} научного центра РАН", "медицинский филиал",
            "Анна Смирнова|Anna Smirnova; Иван Петров|Ivan Petrov; Ольга Кузнецова|Olga Kuznetsova; "
            "Дмитрий Соколов|Dmitry Sokolov; Елена Попова|Elena Popova",
            "ул. Ленина|ul. Lenina; Университетская наб.|Universitetskaya nab.; пр. Мира|pr. Mira",
            [(1, 1, 8, "Новогодние каникулы", "New Year holidays"), (5, 9, 1, "День Победы", "Victory Day")],
            postcode="######"),
    "be": P("Бібліятэка {f} дзяржаўнага ўніверсітэта", "Цэнтральная гарадская бібліятэка г. {c}",
            "Навуковая бібліятэка {f} тэхнічнага ўніверсітэта", "медыцынскі філіял",
            "Вольга Ковалёва|Volha Kavaliova; Сяргей Новік|Siarhei Novik; Наталля Шыманская|Natallia Shymanskaya",
            "вул. Савецкая|vul. Savetskaya; пр. Незалежнасці|pr. Nezalezhnastsi",
            [(1, 1, 1, "Новы год", "New Year's Day")], postcode="######"),
    "uk": P("Наукова бібліотека {f} національного університету", "Центральна міська бібліотека м. {c}",
            "Науково-технічна бібліотека {f} політехнічного університету", "медичний філіал",
            "Олена Коваленко|Olena Kovalenko; Андрій Шевченко|Andrii Shevchenko; Ірина Бондаренко|Iryna Bondarenko; "
            "Тарас Мельник|Taras Melnyk",
            "вул. Володимирська|vul. Volodymyrska; вул. Університетська|vul. Universytetska",
            [(1, 1, 1, "Новий рік", "New Year's Day")]),
    "fa": P("کتابخانه مرکزی دانشگاه {c}", "کتابخانه عمومی {c}", "کتابخانه پژوهشگاه علوم {c}", "کتابخانه پزشکی",
            "علی رضایی|Ali Rezaei; مریم احمدی|Maryam Ahmadi; حسین کریمی|Hossein Karimi; زهرا محمدی|Zahra Mohammadi",
            "خیابان انقلاب|Enghelab Street; خیابان ولیعصر|Valiasr Street",
            [(3, 20, 5, "نوروز", "Nowruz")], postcode="##########"),
    "tr": P("{c} Üniversitesi Kütüphanesi", "{c} İl Halk Kütüphanesi", "{c} Teknik Üniversitesi Kütüphanesi",
            "Tıp Kütüphanesi",
            "Ayşe Yılmaz; Mehmet Kaya; Elif Demir; Mustafa Çelik; Zeynep Şahin",
            "Atatürk Bulvarı; Cumhuriyet Caddesi; Üniversite Caddesi",
            [(1, 1, 1, "Yılbaşı", "New Year's Day"), (4, 23, 1, "Ulusal Egemenlik ve Çocuk Bayramı", "National Sovereignty and Children's Day")]),  # noqa: E501
    "he": P("ספריית אוניברסיטת {c}", "הספרייה העירונית {c}", "ספריית המכון למחקר {c}", "הספרייה לרפואה",
            "נועה כהן|Noa Cohen; דוד לוי|David Levi; מיכל מזרחי|Michal Mizrahi; יוסי פרץ|Yossi Peretz",
            "רחוב הרצל|Herzl Street; שדרות רוטשילד|Rothschild Boulevard", postcode="#######"),
    "ar": P("مكتبة جامعة {c}", "مكتبة {c} العامة", "مكتبة مركز {c} للبحوث العلمية", "المكتبة الطبية",
            "محمد العلي|Mohammed Al-Ali; فاطمة الزهراء|Fatima Al-Zahraa; أحمد حسن|Ahmed Hassan; "
            "مريم عبد الله|Mariam Abdullah; خالد إبراهيم|Khaled Ibrahim",
            "شارع الجامعة|University Street; شارع الملك فيصل|King Faisal Street; شارع الاستقلال|Independence Street"),
    "fr": P("Bibliothèque universitaire {f}", "Bibliothèque municipale {f}", "Centre de documentation scientifique {f}",
            "Bibliothèque de médecine",
            "Marie Dubois; Jean Martin; Camille Laurent; Nicolas Bernard; Sophie Lefèvre; Aminata Diallo",
            "rue de l'Université; avenue de la République; boulevard Victor-Hugo",
            [(1, 1, 1, "Jour de l'an", "New Year's Day"), (5, 1, 1, "Fête du Travail", "Labour Day"),
             (12, 25, 1, "Noël", "Christmas Day")]),
    "de": P("Universitätsbibliothek {c}", "Stadtbibliothek {c}", "Forschungsbibliothek {c}",
            "Zweigbibliothek Medizin",
            "Anna Müller; Thomas Schmidt; Katrin Schneider; Jürgen Fischer; Sabine Weber; Stefan Wagner",
            "Hauptstraße; Universitätsplatz; Bahnhofstraße",
            [(1, 1, 1, "Neujahr", "New Year's Day"), (5, 1, 1, "Tag der Arbeit", "Labour Day"),
             (12, 24, 3, "Weihnachten", "Christmas")], postcode="####"),
    "nl": P("Universiteitsbibliotheek {c}", "Openbare Bibliotheek {c}", "Bibliotheek Technische Universiteit {c}",
            "Medische Bibliotheek",
            "Sanne de Vries; Jan Jansen; Lotte van den Berg; Pieter Bakker; Eva Visser",
            "Universiteitsweg; Kerkstraat; Stationsplein",
            [(1, 1, 1, "Nieuwjaarsdag", "New Year's Day"), (12, 25, 2, "Kerstmis", "Christmas")], postcode="#### AB"),
    "it": P("Biblioteca universitaria di {c}", "Biblioteca civica di {c}", "Biblioteca del Politecnico di {c}",
            "Biblioteca di Medicina",
            "Giulia Rossi; Marco Bianchi; Francesca Romano; Luca Colombo; Chiara Ricci",
            "Via Zamboni; Piazza della Repubblica; Corso Vittorio Emanuele II",
            [(1, 1, 1, "Capodanno", "New Year's Day"), (8, 15, 1, "Ferragosto", "Assumption Day"),
             (12, 25, 2, "Natale e Santo Stefano", "Christmas")]),
    "es": P("Biblioteca de la Universidad de {c}", "Biblioteca Pública Municipal de {c}",
            "Biblioteca del Centro de Investigación de {c}", "Biblioteca de Medicina",
            "María García; José Fernández; Lucía Martínez; Carlos López; Ana Rodríguez; Javier Sánchez",
            "Calle Mayor; Avenida de la Universidad; Plaza de Armas",
            [(1, 1, 1, "Año Nuevo", "New Year's Day"), (5, 1, 1, "Día del Trabajo", "Labour Day"),
             (12, 25, 1, "Navidad", "Christmas Day")]),
    "pt": P("Biblioteca da Universidade de {c}", "Biblioteca Pública Municipal de {c}",
            "Biblioteca do Instituto de Investigação de {c}", "Biblioteca de Medicina",
            "Ana Silva; João Santos; Mariana Oliveira; Pedro Costa; Beatriz Pereira; Tiago Ferreira",
            "Rua da Universidade; Avenida da Liberdade; Praça do Comércio",
            [(1, 1, 1, "Ano Novo", "New Year's Day"), (12, 25, 1, "Natal", "Christmas Day")], postcode="####-###"),
    "el": P("Βιβλιοθήκη του Πανεπιστημίου {f}", "Δημοτική Βιβλιοθήκη {f}", "Βιβλιοθήκη Ερευνητικού Κέντρου {f}",
            "Ιατρική Βιβλιοθήκη",
            "Μαρία Παπαδοπούλου|Maria Papadopoulou; Γιώργος Νικολάου|Giorgos Nikolaou; "
            "Ελένη Γεωργίου|Eleni Georgiou; Δημήτρης Αντωνίου|Dimitris Antoniou",
            "Οδός Πανεπιστημίου|Panepistimiou Street; Λεωφόρος Αλεξάνδρας|Alexandras Avenue",
            [(1, 1, 1, "Πρωτοχρονιά", "New Year's Day"), (12, 25, 2, "Χριστούγεννα", "Christmas")], postcode="### ##"),
    "pl": P("Biblioteka Uniwersytecka w {f}", "Miejska Biblioteka Publiczna w {f}", "Biblioteka Politechniki w {f}",
            "Filia Biblioteki Medycznej",
            "Anna Kowalska; Piotr Nowak; Katarzyna Wiśniewska; Tomasz Wójcik; Magdalena Kamińska",
            "ul. Krakowskie Przedmieście; ul. Uniwersytecka; al. Mickiewicza",
            [(1, 1, 1, "Nowy Rok", "New Year's Day"), (12, 25, 2, "Boże Narodzenie", "Christmas")], postcode="##-###"),
    "cs": P("Univerzitní knihovna v {f}", "Městská knihovna v {f}", "Vědecká knihovna v {f}", "lékařská pobočka",
            "Jana Nováková; Petr Svoboda; Lucie Dvořáková; Martin Černý; Eva Procházková",
            "Mariánské náměstí; Husova; Masarykova třída",
            [(1, 1, 1, "Nový rok", "New Year's Day"), (12, 24, 3, "Vánoce", "Christmas")], postcode="### ##"),
    "sk": P("Univerzitná knižnica v {f}", "Mestská knižnica v {f}", "Štátna vedecká knižnica v {f}", "lekárska pobočka",
            "Zuzana Horváthová; Peter Kováč; Mária Varga; Ján Tóth",
            "Michalská; Hlavná; Námestie SNP",
            [(1, 1, 1, "Deň vzniku Slovenskej republiky", "Republic Day"), (12, 24, 3, "Vianoce", "Christmas")],
            postcode="### ##"),
    "hu": P("{f} Egyetem Könyvtára", "{c} Városi Könyvtár", "{f} Tudományos Könyvtár", "Orvostudományi Szakkönyvtár",
            "Nagy Katalin; Kovács László; Tóth Eszter; Szabó Gábor; Horváth Judit",
            "Egyetem tér; Kossuth Lajos utca; Szabadság tér",
            [(1, 1, 1, "Újév", "New Year's Day"), (12, 24, 3, "Karácsony", "Christmas")], postcode="####"),
    "ro": P("Biblioteca Centrală Universitară {c}", "Biblioteca Județeană {c}",
            "Biblioteca Academiei Române – Filiala {c}", "Biblioteca de Medicină",
            "Ioana Popescu; Andrei Ionescu; Elena Dumitrescu; Mihai Stan; Cristina Georgescu",
            "Strada Universității; Bulevardul Carol I; Calea Victoriei",
            [(1, 1, 2, "Anul Nou", "New Year"), (12, 25, 2, "Crăciunul", "Christmas")], postcode="######"),
    "bg": P("Университетска библиотека – {c}", "Регионална библиотека – {c}", "Научна библиотека – {c}",
            "Медицинска библиотека",
            "Мария Иванова|Maria Ivanova; Георги Петров|Georgi Petrov; Елена Димитрова|Elena Dimitrova; "
            "Николай Стоянов|Nikolay Stoyanov",
            "бул. Цар Освободител|bul. Tsar Osvoboditel; ул. Раковски|ul. Rakovski",
            [(1, 1, 1, "Нова година", "New Year's Day"), (5, 24, 1, "Ден на българската просвета и култура и на славянската писменост", "Day of Bulgarian Education and Culture and Slavonic Literature")],  # noqa: E501
            postcode="####"),
    "sr": P("Универзитетска библиотека у {f}", "Градска библиотека у {f}", "Научна библиотека у {f}",
            "Медицинска библиотека",
            "Јелена Петровић|Jelena Petrović; Марко Јовановић|Marko Jovanović; Ана Николић|Ana Nikolić; "
            "Милош Ђорђевић|Miloš Đorđević",
            "Булевар краља Александра|Bulevar kralja Aleksandra; Кнез Михаилова|Knez Mihailova",
            [(1, 1, 2, "Нова година", "New Year"), (1, 7, 1, "Божић", "Orthodox Christmas")]),
    "hr": P("Sveučilišna knjižnica u {f}", "Gradska knjižnica {c}", "Znanstvena knjižnica u {f}", "Medicinska knjižnica",
            "Ana Horvat; Ivan Kovačević; Petra Babić; Marko Marić",
            "Ulica Ivana Lučića; Trg bana Jelačića; Ilica",
            [(1, 1, 1, "Nova godina", "New Year's Day"), (12, 25, 2, "Božić", "Christmas")]),
    "sl": P("Univerzitetna knjižnica {c}", "Mestna knjižnica {c}", "Znanstvena knjižnica {c}", "Medicinska knjižnica",
            "Maja Novak; Luka Horvat; Nina Kranjc; Matej Zupančič",
            "Turjaška ulica; Slovenska cesta; Gosposvetska cesta",
            [(1, 1, 2, "Novo leto", "New Year"), (12, 25, 2, "Božič in dan samostojnosti", "Christmas and Independence Day")],  # noqa: E501
            postcode="####"),
    "lt": P("{f} universiteto biblioteka", "{f} miesto savivaldybės viešoji biblioteka",
            "{f} technologijos universiteto biblioteka", "Medicinos biblioteka",
            "Rūta Kazlauskienė; Tomas Petrauskas; Aistė Jankauskaitė; Mantas Stankevičius",
            "Universiteto g.; Gedimino pr.; Laisvės al.",
            [(1, 1, 1, "Naujieji metai", "New Year's Day"), (12, 24, 3, "Kalėdos", "Christmas")], postcode="LT-#####"),
    "lv": P("{f} Universitātes bibliotēka", "{f} Centrālā bibliotēka", "{f} Tehniskās universitātes bibliotēka",
            "Medicīnas bibliotēka",
            "Ilze Bērziņa; Jānis Kalniņš; Līga Ozola; Andris Liepiņš",
            "Raiņa bulvāris; Brīvības iela; Kalpaka bulvāris",
            [(1, 1, 1, "Jaungada diena", "New Year's Day"), (12, 24, 3, "Ziemassvētki", "Christmas")],
            postcode="LV-####"),
    "et": P("{f} Ülikooli Raamatukogu", "{f} Keskraamatukogu", "{f} Tehnikaülikooli raamatukogu",
            "Meditsiiniraamatukogu",
            "Kadri Tamm; Mart Saar; Liis Sepp; Jaan Kask",
            "Tõnismägi; Narva maantee; Ülikooli tänav",
            [(1, 1, 1, "Uusaasta", "New Year's Day"), (12, 24, 3, "Jõulud", "Christmas")]),
    "fi": P("{f} yliopiston kirjasto", "{f} kaupunginkirjasto", "{f} teknillisen yliopiston kirjasto",
            "lääketieteen kirjasto",
            "Anna Virtanen; Mikko Korhonen; Laura Mäkinen; Juha Nieminen; Sanna Heikkinen",
            "Unioninkatu; Yliopistonkatu; Kauppakatu",
            [(1, 1, 1, "Uudenvuodenpäivä", "New Year's Day"), (12, 24, 3, "Joulu", "Christmas")]),
    "sv": P("{f} universitetsbibliotek", "{f} stadsbibliotek", "{f} tekniska högskolas bibliotek",
            "Medicinska biblioteket",
            "Anna Andersson; Erik Johansson; Maria Karlsson; Lars Nilsson; Karin Eriksson",
            "Universitetsvägen; Drottninggatan; Stora torget",
            [(1, 1, 1, "Nyårsdagen", "New Year's Day"), (12, 24, 3, "Jul", "Christmas")], postcode="### ##"),
    "no": P("Universitetsbiblioteket i {c}", "{c} folkebibliotek", "Forskningsbiblioteket i {c}",
            "Medisinsk bibliotek",
            "Ingrid Hansen; Ole Johansen; Kari Olsen; Lars Larsen; Silje Berg",
            "Karl Johans gate; Universitetsgata; Kongens gate",
            [(1, 1, 1, "Første nyttårsdag", "New Year's Day"), (12, 24, 3, "Jul", "Christmas")], postcode="####"),
    "da": P("{c} Universitetsbibliotek", "{c} Centralbibliotek", "{c} Forskningsbibliotek", "Medicinsk Bibliotek",
            "Mette Nielsen; Søren Jensen; Louise Hansen; Anders Pedersen; Camilla Andersen",
            "Nørregade; Vesterbrogade; Universitetsparken",
            [(1, 1, 1, "Nytårsdag", "New Year's Day"), (12, 24, 3, "Jul", "Christmas")], postcode="####"),
    "is": P("Bókasafn Háskólans {f}", "Almenningsbókasafn {f}", "Rannsóknarbókasafn {f}", "Læknisfræðibókasafn",
            "Guðrún Jónsdóttir; Jón Sigurðsson; Sigríður Magnúsdóttir; Ólafur Gunnarsson",
            "Arngrímsgata; Laugavegur; Hafnarstræti",
            [(1, 1, 1, "Nýársdagur", "New Year's Day"), (12, 24, 3, "Jól", "Christmas")], postcode="###"),
    "sw": P("Maktaba ya Chuo Kikuu cha {c}", "Maktaba ya Umma ya {c}", "Maktaba ya Taasisi ya Utafiti ya {c}",
            "Maktaba ya Tiba",
            "Amina Mwangi; Juma Omondi; Neema Kimaro; Baraka Mushi; Grace Wanjiru",
            "Barabara ya Chuo Kikuu; Mtaa wa Uhuru; Barabara ya Kenyatta",
            [(1, 1, 1, "Mwaka Mpya", "New Year's Day"), (12, 25, 2, "Krismasi", "Christmas")]),
    "am": P("{c} ዩኒቨርሲቲ ቤተ መጻሕፍት", "{c} ሕዝብ ቤተ መጻሕፍት", "{c} የምርምር ተቋም ቤተ መጻሕፍት", "የሕክምና ቤተ መጻሕፍት",
            "አበበ ከበደ|Abebe Kebede; ሰላማዊት ታደሰ|Selamawit Tadesse; ዮሐንስ ግርማ|Yohannes Girma",
            "ንግሥት ኤልሳቤጥ ጎዳና|Queen Elizabeth Street; ቸርችል ጎዳና|Churchill Avenue",
            [(1, 7, 1, "ገና", "Ethiopian Christmas"), (9, 11, 1, "እንቁጣጣሽ", "Ethiopian New Year")], join=" "),
}

# fmt: on


@dataclass
class Country:
    code: str
    zone: str
    languages: list[str]
    currencies: list[str]
    profile: str
    region: str  # continent tag
    national: tuple[str, str, str] | None  # (native, English, Chinese)
    cities: list[City]
    holidays: list[Holiday]
    national_isil: str = ""
    national_oclc: str = ""


def C(
    code, zone, languages, currencies, profile, region, national, cities, holidays=(), **kw
) -> Country:
    return Country(code, zone, languages.split(), currencies.split(), profile, region, national,
                   _cities(cities), list(holidays), **kw)  # fmt: skip


# fmt: off
ASIA, EUROPE, AFRICA, AMERICAS = "Asia-Pacific", "Europe", "Africa", "Americas"
OCEANIA, MIDDLE_EAST = "Asia-Pacific", "Middle East"

COUNTRIES: list[Country] = [
    # East and South-East Asia
    C("CN", "Asia/Shanghai", "zh", "CNY", "zh", ASIA, ("中国国家图书馆", "National Library of China", "中国国家图书馆"),
      "北京|Beijing|北京; 上海|Shanghai|上海; 武汉|Wuhan|武汉; 成都|Chengdu|成都; 广州|Guangzhou|广州"),
    C("HK", "Asia/Hong_Kong", "zh en", "HKD", "zh-hant", ASIA, None,
      "香港|Hong Kong|香港; 九龍|Kowloon|九龙; 沙田|Sha Tin|沙田",
      [(7, 1, 1, "香港特別行政區成立紀念日", "HKSAR Establishment Day")]),
    C("MO", "Asia/Macau", "zh pt", "MOP", "zh-hant", ASIA, None, "澳門|Macao|澳门; 氹仔|Taipa|氹仔",
      [(12, 20, 1, "澳門特別行政區成立紀念日", "Macao SAR Establishment Day")]),
    C("JP", "Asia/Tokyo", "ja", "JPY", "ja", ASIA, ("国立国会図書館", "National Diet Library", "日本国立国会图书馆"),
      "東京|Tokyo|东京|東京都; 京都|Kyoto|京都|京都市; 大阪|Osaka|大阪|大阪市; 札幌|Sapporo|札幌|札幌市; "
      "福岡|Fukuoka|福冈|福岡市; 仙台|Sendai|仙台|仙台市",
      [(2, 11, 1, "建国記念の日", "National Foundation Day")]),
    C("KR", "Asia/Seoul", "ko", "KRW", "ko", ASIA, ("국립중앙도서관", "National Library of Korea", "韩国国立中央图书馆"),
      "서울|Seoul|首尔; 부산|Busan|釜山; 대구|Daegu|大邱; 광주|Gwangju|光州; 대전|Daejeon|大田",
      [(10, 3, 1, "개천절", "National Foundation Day")]),
    C("MN", "Asia/Ulaanbaatar", "mn", "MNT", "mn", ASIA,
      ("Монгол Улсын Үндэсний номын сан", "National Library of Mongolia", "蒙古国国家图书馆"),
      "Улаанбаатар|Ulaanbaatar|乌兰巴托; Дархан|Darkhan|达尔汗; Эрдэнэт|Erdenet|额尔登特",
      [(7, 11, 5, "Үндэсний их баяр наадам", "Naadam")]),
    C("VN", "Asia/Ho_Chi_Minh", "vi", "VND", "vi", ASIA, ("Thư viện Quốc gia Việt Nam", "National Library of Vietnam", "越南国家图书馆"),  # noqa: E501
      "Hà Nội|Hanoi|河内; Huế|Hue|顺化; Đà Nẵng|Da Nang|岘港; Cần Thơ|Can Tho|芹苴",
      [(9, 2, 2, "Quốc khánh", "National Day")]),
    C("TH", "Asia/Bangkok", "th", "THB", "th", ASIA, ("หอสมุดแห่งชาติ", "National Library of Thailand", "泰国国家图书馆"),
      "กรุงเทพมหานคร|Bangkok|曼谷; เชียงใหม่|Chiang Mai|清迈; ขอนแก่น|Khon Kaen|孔敬; สงขลา|Songkhla|宋卡",
      [(12, 5, 1, "วันชาติ", "National Day")]),
    C("MY", "Asia/Kuala_Lumpur", "ms en", "MYR", "ms", ASIA,
      ("Perpustakaan Negara Malaysia", "National Library of Malaysia", "马来西亚国家图书馆"),
      "Kuala Lumpur||吉隆坡; Pulau Pinang|Penang|槟城; Johor Bahru||新山; Kuching||古晋",
      [(8, 31, 1, "Hari Kebangsaan", "National Day")]),
    C("SG", "Asia/Singapore", "en zh ms ta", "SGD", "en", ASIA, ("National Library, Singapore", "National Library, Singapore", "新加坡国家图书馆"),  # noqa: E501
      "Singapore||新加坡; Jurong||裕廊; Woodlands||兀兰", [(8, 9, 1, "National Day", "National Day")]),
    C("ID", "Asia/Jakarta", "id", "IDR", "id", ASIA,
      ("Perpustakaan Nasional Republik Indonesia", "National Library of Indonesia", "印度尼西亚国家图书馆"),
      "Jakarta||雅加达; Bandung||万隆; Yogyakarta||日惹; Surabaya||泗水; Makassar||望加锡|Asia/Makassar",
      [(8, 17, 1, "Hari Kemerdekaan", "Independence Day")]),
    C("PH", "Asia/Manila", "fil en", "PHP", "en", ASIA,
      ("Pambansang Aklatan ng Pilipinas", "National Library of the Philippines", "菲律宾国家图书馆"),
      "Manila||马尼拉; Cebu||宿务; Davao||达沃; Iloilo||伊洛伊洛", [(6, 12, 1, "Araw ng Kalayaan", "Independence Day")]),
    C("KH", "Asia/Phnom_Penh", "km", "KHR", "km", ASIA, ("បណ្ណាល័យជាតិ", "National Library of Cambodia", "柬埔寨国家图书馆"),
      "ភ្នំពេញ|Phnom Penh|金边; សៀមរាប|Siem Reap|暹粒", [(11, 9, 1, "ពិធីបុណ្យឯករាជ្យជាតិ", "Independence Day")]),
    C("LA", "Asia/Vientiane", "lo", "LAK", "lo", ASIA, ("ຫໍສະໝຸດແຫ່ງຊາດ", "National Library of Laos", "老挝国家图书馆"),
      "ວຽງຈັນ|Vientiane|万象; ຫຼວງພະບາງ|Luang Prabang|琅勃拉邦", [(12, 2, 1, "ວັນຊາດ", "National Day")]),
    C("MM", "Asia/Yangon", "my", "MMK", "my", ASIA, ("အမျိုးသားစာကြည့်တိုက်", "National Library of Myanmar", "缅甸国家图书馆"),
      "ရန်ကုန်|Yangon|仰光; မန္တလေး|Mandalay|曼德勒", [(1, 4, 1, "လွတ်လပ်ရေးနေ့", "Independence Day")]),
    # South and Central Asia
    C("IN", "Asia/Kolkata", "hi en", "INR", "hi", ASIA, ("राष्ट्रीय पुस्तकालय, भारत", "National Library of India", "印度国家图书馆"),
      "कोलकाता|Kolkata|加尔各答; नई दिल्ली|New Delhi|新德里; मुंबई|Mumbai|孟买; चेन्नई|Chennai|金奈; "
      "बेंगलुरु|Bengaluru|班加罗尔; हैदराबाद|Hyderabad|海得拉巴",
      [(1, 26, 1, "गणतंत्र दिवस", "Republic Day"), (8, 15, 1, "स्वतंत्रता दिवस", "Independence Day"),
       (10, 2, 1, "गांधी जयंती", "Gandhi Jayanti")]),
    C("PK", "Asia/Karachi", "ur en", "PKR", "ur", ASIA, ("قومی کتب خانہ پاکستان", "National Library of Pakistan", "巴基斯坦国家图书馆"),
      "اسلام آباد|Islamabad|伊斯兰堡; لاہور|Lahore|拉合尔; کراچی|Karachi|卡拉奇; پشاور|Peshawar|白沙瓦",
      [(3, 23, 1, "یوم پاکستان", "Pakistan Day"), (8, 14, 1, "یوم آزادی", "Independence Day")]),
    C("BD", "Asia/Dhaka", "bn", "BDT", "bn", ASIA, ("বাংলাদেশ জাতীয় গ্রন্থাগার", "National Library of Bangladesh", "孟加拉国国家图书馆"),  # noqa: E501
      "ঢাকা|Dhaka|达卡; চট্টগ্রাম|Chattogram|吉大港; রাজশাহী|Rajshahi|拉杰沙希",
      [(3, 26, 1, "স্বাধীনতা দিবস", "Independence Day"), (12, 16, 1, "বিজয় দিবস", "Victory Day")]),
    C("LK", "Asia/Colombo", "si ta", "LKR", "si", ASIA,
      ("ශ්‍රී ලංකා ජාතික පුස්තකාලය", "National Library of Sri Lanka", "斯里兰卡国家图书馆"),
      "කොළඹ|Colombo|科伦坡; මහනුවර|Kandy|康提; ගාල්ල|Galle|加勒", [(2, 4, 1, "නිදහස් දිනය", "Independence Day")]),
    C("NP", "Asia/Kathmandu", "ne", "NPR", "hi", ASIA, ("राष्ट्रिय पुस्तकालय", "Nepal National Library", "尼泊尔国家图书馆"),
      "काठमाडौं|Kathmandu|加德满都; पोखरा|Pokhara|博卡拉; ललितपुर|Lalitpur|勒利德布尔",
      [(9, 19, 1, "संविधान दिवस", "Constitution Day")]),
    C("KZ", "Asia/Almaty", "kk ru", "KZT", "kk", ASIA,
      ("Қазақстан Республикасының Ұлттық кітапханасы", "National Library of the Republic of Kazakhstan", "哈萨克斯坦国家图书馆"),
      "Алматы|Almaty|阿拉木图|Алматы; Астана|Astana|阿斯塔纳|Астана; Шымкент|Shymkent|奇姆肯特|Шымкент; "
      "Қарағанды|Karaganda|卡拉干达|Қарағанды",
      [(12, 16, 1, "Тәуелсіздік күні", "Independence Day")]),
    C("UZ", "Asia/Tashkent", "uz", "UZS", "uz", ASIA,
      ("Alisher Navoiy nomidagi Oʻzbekiston Milliy kutubxonasi", "Alisher Navoi National Library of Uzbekistan", "乌兹别克斯坦纳沃伊国家图书馆"),  # noqa: E501
      "Toshkent|Tashkent|塔什干; Samarqand|Samarkand|撒马尔罕; Buxoro|Bukhara|布哈拉",
      [(9, 1, 1, "Mustaqillik kuni", "Independence Day")]),
    C("KG", "Asia/Bishkek", "ky ru", "KGS", "ru", ASIA,
      ("Кыргыз Республикасынын Улуттук китепканасы", "National Library of the Kyrgyz Republic", "吉尔吉斯斯坦国家图书馆"),
      "Бишкек|Bishkek|比什凯克|Бишкекского; Ош|Osh|奥什|Ошского", [(8, 31, 1, "Эгемендүүлүк күнү", "Independence Day")]),
    # West Asia and the Middle East
    C("IR", "Asia/Tehran", "fa", "IRR", "fa", MIDDLE_EAST,
      ("سازمان اسناد و کتابخانه ملی ایران", "National Library and Archives of Iran", "伊朗国家图书档案馆"),
      "تهران|Tehran|德黑兰; اصفهان|Isfahan|伊斯法罕; شیراز|Shiraz|设拉子; مشهد|Mashhad|马什哈德"),
    C("TR", "Europe/Istanbul", "tr", "TRY", "tr", MIDDLE_EAST, ("Millî Kütüphane", "National Library of Türkiye", "土耳其国家图书馆"),
      "Ankara||安卡拉; İstanbul|Istanbul|伊斯坦布尔; İzmir|Izmir|伊兹密尔; Bursa||布尔萨; Konya||科尼亚",
      [(10, 29, 1, "Cumhuriyet Bayramı", "Republic Day")]),
    C("IL", "Asia/Jerusalem", "he ar", "ILS", "he", MIDDLE_EAST, ("הספרייה הלאומית של ישראל", "National Library of Israel", "以色列国家图书馆"),
      "ירושלים|Jerusalem|耶路撒冷; תל אביב|Tel Aviv|特拉维夫; חיפה|Haifa|海法; באר שבע|Beersheba|贝尔谢巴"),
    C("SA", "Asia/Riyadh", "ar", "SAR", "ar", MIDDLE_EAST, ("مكتبة الملك فهد الوطنية", "King Fahad National Library", "法赫德国王国家图书馆"),
      "الرياض|Riyadh|利雅得; جدة|Jeddah|吉达; الدمام|Dammam|达曼", [(9, 23, 1, "اليوم الوطني", "National Day")]),
    C("AE", "Asia/Dubai", "ar en", "AED", "ar", MIDDLE_EAST, ("الأرشيف والمكتبة الوطنية", "National Library and Archives (UAE)", "阿联酋国家档案图书馆"),  # noqa: E501
      "أبوظبي|Abu Dhabi|阿布扎比; دبي|Dubai|迪拜; الشارقة|Sharjah|沙迦", [(12, 2, 2, "عيد الاتحاد", "National Day")]),
    C("QA", "Asia/Qatar", "ar en", "QAR", "ar", MIDDLE_EAST, ("مكتبة قطر الوطنية", "Qatar National Library", "卡塔尔国家图书馆"),
      "الدوحة|Doha|多哈; الريان|Al Rayyan|赖扬", [(12, 18, 1, "اليوم الوطني", "National Day")]),
    C("JO", "Asia/Amman", "ar", "JOD", "ar", MIDDLE_EAST, ("دائرة المكتبة الوطنية", "National Library of Jordan", "约旦国家图书馆"),
      "عمّان|Amman|安曼; إربد|Irbid|伊尔比德; الزرقاء|Zarqa|扎尔卡", [(5, 25, 1, "عيد الاستقلال", "Independence Day")]),
    C("LB", "Asia/Beirut", "ar fr", "LBP", "ar", MIDDLE_EAST, ("المكتبة الوطنية اللبنانية", "National Library of Lebanon", "黎巴嫩国家图书馆"),
      "بيروت|Beirut|贝鲁特; طرابلس|Tripoli|的黎波里; صيدا|Sidon|赛达", [(11, 22, 1, "عيد الاستقلال", "Independence Day")]),
    C("KW", "Asia/Kuwait", "ar", "KWD", "ar", MIDDLE_EAST, ("مكتبة الكويت الوطنية", "National Library of Kuwait", "科威特国家图书馆"),
      "مدينة الكويت|Kuwait City|科威特城; الجهراء|Jahra|杰赫拉", [(2, 25, 2, "العيد الوطني وعيد التحرير", "National and Liberation Days")]),  # noqa: E501
    C("IQ", "Asia/Baghdad", "ar ku", "IQD", "ar", MIDDLE_EAST, ("دار الكتب والوثائق الوطنية", "Iraq National Library and Archives", "伊拉克国家图书档案馆"),  # noqa: E501
      "بغداد|Baghdad|巴格达; البصرة|Basra|巴士拉; الموصل|Mosul|摩苏尔", [(10, 3, 1, "اليوم الوطني", "National Day")]),
    # Oceania
    C("AU", "Australia/Sydney", "en", "AUD", "en", OCEANIA, ("National Library of Australia", "National Library of Australia", "澳大利亚国家图书馆"),  # noqa: E501
      "Canberra||堪培拉; Sydney||悉尼; Melbourne||墨尔本||Australia/Melbourne; Brisbane||布里斯班||Australia/Brisbane; "
      "Perth||珀斯||Australia/Perth; Adelaide||阿德莱德||Australia/Adelaide",
      [(1, 26, 1, "Australia Day", "Australia Day"), (4, 25, 1, "Anzac Day", "Anzac Day")]),
    C("NZ", "Pacific/Auckland", "en mi", "NZD", "en", OCEANIA,
      ("National Library of New Zealand", "National Library of New Zealand", "新西兰国家图书馆"),
      "Wellington||惠灵顿; Auckland||奥克兰; Christchurch||基督城; Dunedin||但尼丁",
      [(2, 6, 1, "Waitangi Day", "Waitangi Day")]),
    C("FJ", "Pacific/Fiji", "en fj", "FJD", "en", OCEANIA, None, "Suva||苏瓦; Lautoka||劳托卡",
      [(10, 10, 1, "Fiji Day", "Fiji Day")]),
    C("PG", "Pacific/Port_Moresby", "en tpi", "PGK", "en", OCEANIA,
      ("National Library of Papua New Guinea", "National Library of Papua New Guinea", "巴布亚新几内亚国家图书馆"),
      "Port Moresby||莫尔斯比港; Lae||莱城", [(9, 16, 1, "Independence Day", "Independence Day")]),
    # Europe
    C("GB", "Europe/London", "en", "GBP", "en", EUROPE, ("The British Library", "The British Library", "英国国家图书馆"),
      "London||伦敦; Cambridge||剑桥; Edinburgh||爱丁堡; Manchester||曼彻斯特; Glasgow||格拉斯哥; Leeds||利兹",
      [(12, 26, 1, "Boxing Day", "Boxing Day")]),
    C("IE", "Europe/Dublin", "en ga", "EUR", "en", EUROPE, ("National Library of Ireland", "National Library of Ireland", "爱尔兰国家图书馆"),  # noqa: E501
      "Dublin||都柏林; Cork||科克; Galway||戈尔韦", [(3, 17, 1, "Lá Fhéile Pádraig", "Saint Patrick's Day")]),
    C("FR", "Europe/Paris", "fr", "EUR", "fr", EUROPE, ("Bibliothèque nationale de France", "National Library of France", "法国国家图书馆"),  # noqa: E501
      "Paris||巴黎; Lyon||里昂; Strasbourg||斯特拉斯堡; Bordeaux||波尔多; Toulouse||图卢兹; Montpellier||蒙彼利埃",
      [(7, 14, 1, "Fête nationale", "Bastille Day"), (11, 11, 1, "Armistice", "Armistice Day")]),
    C("BE", "Europe/Brussels", "nl fr de", "EUR", "nl", EUROPE,
      ("KBR – Koninklijke Bibliotheek van België", "Royal Library of Belgium", "比利时皇家图书馆"),
      "Brussel|Brussels|布鲁塞尔; Leuven||鲁汶; Gent|Ghent|根特; Antwerpen|Antwerp|安特卫普",
      [(7, 21, 1, "Nationale feestdag", "National Day")]),
    C("NL", "Europe/Amsterdam", "nl", "EUR", "nl", EUROPE, ("Koninklijke Bibliotheek", "KB, National Library of the Netherlands", "荷兰国家图书馆"),  # noqa: E501
      "Den Haag|The Hague|海牙; Amsterdam||阿姆斯特丹; Leiden||莱顿; Utrecht||乌得勒支; Groningen||格罗宁根; Delft||代尔夫特",
      [(4, 27, 1, "Koningsdag", "King's Day")]),
    C("DE", "Europe/Berlin", "de", "EUR", "de", EUROPE, ("Deutsche Nationalbibliothek", "German National Library", "德国国家图书馆"),
      "Frankfurt am Main|Frankfurt|法兰克福; Heidelberg||海德堡; München|Munich|慕尼黑; Göttingen||哥廷根; "
      "Leipzig||莱比锡; Hamburg||汉堡; Freiburg||弗莱堡; Bonn||波恩",
      [(10, 3, 1, "Tag der Deutschen Einheit", "Day of German Unity")], national_isil="DE-101"),
    C("AT", "Europe/Vienna", "de", "EUR", "de", EUROPE, ("Österreichische Nationalbibliothek", "Austrian National Library", "奥地利国家图书馆"),  # noqa: E501
      "Wien|Vienna|维也纳; Graz||格拉茨; Innsbruck||因斯布鲁克; Salzburg||萨尔茨堡",
      [(10, 26, 1, "Nationalfeiertag", "National Day")]),
    C("CH", "Europe/Zurich", "de fr it", "CHF", "de", EUROPE, ("Schweizerische Nationalbibliothek", "Swiss National Library", "瑞士国家图书馆"),  # noqa: E501
      "Bern||伯尔尼; Zürich|Zurich|苏黎世; Basel||巴塞尔; Luzern|Lucerne|卢塞恩",
      [(8, 1, 1, "Bundesfeier", "Swiss National Day")]),
    C("IT", "Europe/Rome", "it", "EUR", "it", EUROPE,
      ("Biblioteca Nazionale Centrale di Roma", "National Central Library of Rome", "罗马国家中央图书馆"),
      "Roma|Rome|罗马; Firenze|Florence|佛罗伦萨; Bologna||博洛尼亚; Milano|Milan|米兰; Napoli|Naples|那不勒斯; "
      "Padova|Padua|帕多瓦",
      [(4, 25, 1, "Festa della Liberazione", "Liberation Day"), (6, 2, 1, "Festa della Repubblica", "Republic Day")]),
    C("VA", "Europe/Vatican", "la it", "EUR", "it", EUROPE, None, "Città del Vaticano|Vatican City|梵蒂冈城",
      [(6, 29, 1, "Santi Pietro e Paolo", "Saints Peter and Paul")]),
    C("ES", "Europe/Madrid", "es", "EUR", "es", EUROPE, ("Biblioteca Nacional de España", "National Library of Spain", "西班牙国家图书馆"),  # noqa: E501
      "Madrid||马德里; Barcelona||巴塞罗那; Salamanca||萨拉曼卡; Sevilla|Seville|塞维利亚; Granada||格拉纳达; "
      "Valencia||巴伦西亚",
      [(10, 12, 1, "Fiesta Nacional de España", "National Day of Spain")]),
    C("PT", "Europe/Lisbon", "pt", "EUR", "pt", EUROPE, ("Biblioteca Nacional de Portugal", "National Library of Portugal", "葡萄牙国家图书馆"),  # noqa: E501
      "Lisboa|Lisbon|里斯本; Porto||波尔图; Coimbra||科英布拉; Braga||布拉加",
      [(4, 25, 1, "Dia da Liberdade", "Freedom Day"), (6, 10, 1, "Dia de Portugal", "Portugal Day")]),
    C("GR", "Europe/Athens", "el", "EUR", "el", EUROPE, ("Εθνική Βιβλιοθήκη της Ελλάδος", "National Library of Greece", "希腊国家图书馆"),  # noqa: E501
      "Αθήνα|Athens|雅典|Αθηνών; Θεσσαλονίκη|Thessaloniki|塞萨洛尼基|Θεσσαλονίκης; Πάτρα|Patras|帕特雷|Πατρών; "
      "Ηράκλειο|Heraklion|伊拉克利翁|Ηρακλείου; Ιωάννινα|Ioannina|约阿尼纳|Ιωαννίνων",
      [(3, 25, 1, "Εθνική Επέτειος", "Independence Day"), (10, 28, 1, "Επέτειος του Όχι", "Ohi Day")]),
    C("PL", "Europe/Warsaw", "pl", "PLN", "pl", EUROPE, ("Biblioteka Narodowa", "National Library of Poland", "波兰国家图书馆"),
      "Warszawa|Warsaw|华沙|Warszawie; Kraków|Krakow|克拉科夫|Krakowie; Poznań|Poznan|波兹南|Poznaniu; "
      "Wrocław|Wroclaw|弗罗茨瓦夫|Wrocławiu; Gdańsk|Gdansk|格但斯克|Gdańsku; Łódź|Lodz|罗兹|Łodzi",
      [(5, 3, 1, "Święto Konstytucji 3 Maja", "Constitution Day"),
       (11, 11, 1, "Narodowe Święto Niepodległości", "Independence Day")]),
    C("CZ", "Europe/Prague", "cs", "CZK", "cs", EUROPE,
      ("Národní knihovna České republiky", "National Library of the Czech Republic", "捷克国家图书馆"),
      "Praha|Prague|布拉格|Praze; Brno||布尔诺|Brně; Olomouc||奥洛穆茨|Olomouci; Ostrava||俄斯特拉发|Ostravě",
      [(10, 28, 1, "Den vzniku samostatného československého státu", "Independent Czechoslovak State Day")]),
    C("SK", "Europe/Bratislava", "sk", "EUR", "sk", EUROPE, ("Slovenská národná knižnica", "Slovak National Library", "斯洛伐克国家图书馆"),  # noqa: E501
      "Martin||马丁|Martine; Bratislava||布拉迪斯拉发|Bratislave; Košice|Kosice|科希策|Košiciach",
      [(8, 29, 1, "Výročie Slovenského národného povstania", "Slovak National Uprising Day")]),
    C("HU", "Europe/Budapest", "hu", "HUF", "hu", EUROPE, ("Országos Széchényi Könyvtár", "National Széchényi Library", "匈牙利国家塞切尼图书馆"),  # noqa: E501
      "Budapest||布达佩斯|Budapesti; Debrecen||德布勒森|Debreceni; Szeged||塞格德|Szegedi; Pécs|Pecs|佩奇|Pécsi",
      [(3, 15, 1, "Nemzeti ünnep", "National Day"), (8, 20, 1, "Szent István ünnepe", "Saint Stephen's Day"),
       (10, 23, 1, "Nemzeti ünnep", "National Day")]),
    C("RO", "Europe/Bucharest", "ro", "RON", "ro", EUROPE, ("Biblioteca Națională a României", "National Library of Romania", "罗马尼亚国家图书馆"),  # noqa: E501
      "București|Bucharest|布加勒斯特; Cluj-Napoca||克卢日-纳波卡; Iași|Iasi|雅西; Timișoara|Timisoara|蒂米什瓦拉",
      [(12, 1, 1, "Ziua Națională a României", "National Day")]),
    C("BG", "Europe/Sofia", "bg", "EUR", "bg", EUROPE,
      ("Национална библиотека „Св. св. Кирил и Методий“", "SS. Cyril and Methodius National Library", "保加利亚国家图书馆"),
      "София|Sofia|索非亚; Пловдив|Plovdiv|普罗夫迪夫; Варна|Varna|瓦尔纳; Русе|Ruse|鲁塞",
      [(3, 3, 1, "Ден на Освобождението", "Liberation Day")]),
    C("RS", "Europe/Belgrade", "sr", "RSD", "sr", EUROPE, ("Народна библиотека Србије", "National Library of Serbia", "塞尔维亚国家图书馆"),  # noqa: E501
      "Београд|Belgrade|贝尔格莱德|Београду; Нови Сад|Novi Sad|诺维萨德|Новом Саду; Ниш|Niš|尼什|Нишу; "
      "Крагујевац|Kragujevac|克拉古耶瓦茨|Крагујевцу",
      [(2, 15, 2, "Сретење – Дан државности", "Statehood Day")]),
    C("HR", "Europe/Zagreb", "hr", "EUR", "hr", EUROPE,
      ("Nacionalna i sveučilišna knjižnica u Zagrebu", "National and University Library in Zagreb", "萨格勒布国家与大学图书馆"),
      "Zagreb||萨格勒布|Zagrebu; Split||斯普利特|Splitu; Rijeka||里耶卡|Rijeci; Osijek||奥西耶克|Osijeku",
      [(5, 30, 1, "Dan državnosti", "Statehood Day")]),
    C("SI", "Europe/Ljubljana", "sl", "EUR", "sl", EUROPE,
      ("Narodna in univerzitetna knjižnica", "National and University Library of Slovenia", "斯洛文尼亚国家与大学图书馆"),
      "Ljubljana||卢布尔雅那; Maribor||马里博尔; Koper||科佩尔", [(6, 25, 1, "Dan državnosti", "Statehood Day")]),
    C("UA", "Europe/Kyiv", "uk", "UAH", "uk", EUROPE,
      ("Національна бібліотека України імені В. І. Вернадського", "Vernadsky National Library of Ukraine", "乌克兰国家图书馆"),
      "Київ|Kyiv|基辅|Київського; Львів|Lviv|利沃夫|Львівського; Харків|Kharkiv|哈尔科夫|Харківського; "
      "Одеса|Odesa|敖德萨|Одеського",
      [(8, 24, 1, "День Незалежності України", "Independence Day")]),
    C("BY", "Europe/Minsk", "be ru", "BYN", "be", EUROPE, ("Нацыянальная бібліятэка Беларусі", "National Library of Belarus", "白俄罗斯国家图书馆"),  # noqa: E501
      "Мінск|Minsk|明斯克|Мінскага; Гомель|Gomel|戈梅利|Гомельскага; Брэст|Brest|布列斯特|Брэсцкага; "
      "Гродна|Grodno|格罗德诺|Гродзенскага",
      [(7, 3, 1, "Дзень Незалежнасці", "Independence Day")]),
    C("RU", "Europe/Moscow", "ru", "RUB", "ru", EUROPE, ("Российская государственная библиотека", "Russian State Library", "俄罗斯国立图书馆"),  # noqa: E501
      "Москва|Moscow|莫斯科|Московского; Санкт-Петербург|Saint Petersburg|圣彼得堡|Санкт-Петербургского; "
      "Казань|Kazan|喀山|Казанского; Новосибирск|Novosibirsk|新西伯利亚|Новосибирского|Asia/Novosibirsk; "
      "Томск|Tomsk|托木斯克|Томского|Asia/Tomsk; Иркутск|Irkutsk|伊尔库茨克|Иркутского|Asia/Irkutsk",
      [(6, 12, 1, "День России", "Russia Day")]),
    C("LT", "Europe/Vilnius", "lt", "EUR", "lt", EUROPE,
      ("Lietuvos nacionalinė Martyno Mažvydo biblioteka", "Martynas Mažvydas National Library of Lithuania", "立陶宛国家图书馆"),
      "Vilnius||维尔纽斯|Vilniaus; Kaunas||考纳斯|Kauno; Klaipėda|Klaipeda|克莱佩达|Klaipėdos",
      [(2, 16, 1, "Lietuvos valstybės atkūrimo diena", "Restoration of the State Day")]),
    C("LV", "Europe/Riga", "lv", "EUR", "lv", EUROPE, ("Latvijas Nacionālā bibliotēka", "National Library of Latvia", "拉脱维亚国家图书馆"),  # noqa: E501
      "Rīga|Riga|里加|Rīgas; Daugavpils||陶格夫匹尔斯|Daugavpils; Liepāja|Liepaja|利耶帕亚|Liepājas",
      [(11, 18, 1, "Latvijas Republikas proklamēšanas diena", "Proclamation Day")]),
    C("EE", "Europe/Tallinn", "et", "EUR", "et", EUROPE, ("Eesti Rahvusraamatukogu", "National Library of Estonia", "爱沙尼亚国家图书馆"),  # noqa: E501
      "Tallinn||塔林|Tallinna; Tartu||塔尔图|Tartu; Pärnu|Parnu|派尔努|Pärnu",
      [(2, 24, 1, "Eesti Vabariigi aastapäev", "Independence Day")]),
    C("FI", "Europe/Helsinki", "fi sv", "EUR", "fi", EUROPE, ("Kansalliskirjasto", "National Library of Finland", "芬兰国家图书馆"),
      "Helsinki||赫尔辛基|Helsingin; Turku||图尔库|Turun; Tampere||坦佩雷|Tampereen; Oulu||奥卢|Oulun",
      [(12, 6, 1, "Itsenäisyyspäivä", "Independence Day")]),
    C("SE", "Europe/Stockholm", "sv", "SEK", "sv", EUROPE, ("Kungliga biblioteket", "National Library of Sweden", "瑞典国家图书馆"),
      "Stockholm||斯德哥尔摩|Stockholms; Uppsala||乌普萨拉|Uppsala; Lund||隆德|Lunds; Göteborg|Gothenburg|哥德堡|Göteborgs",
      [(6, 6, 1, "Sveriges nationaldag", "National Day of Sweden")]),
    C("NO", "Europe/Oslo", "nb nn", "NOK", "no", EUROPE, ("Nasjonalbiblioteket", "National Library of Norway", "挪威国家图书馆"),
      "Oslo||奥斯陆; Bergen||卑尔根; Trondheim||特隆赫姆; Tromsø|Tromso|特罗姆瑟",
      [(5, 17, 1, "Grunnlovsdagen", "Constitution Day")]),
    C("DK", "Europe/Copenhagen", "da", "DKK", "da", EUROPE, ("Det Kgl. Bibliotek", "Royal Danish Library", "丹麦皇家图书馆"),
      "København|Copenhagen|哥本哈根; Aarhus||奥胡斯; Odense||欧登塞; Aalborg||奥尔堡",
      [(6, 5, 1, "Grundlovsdag", "Constitution Day")]),
    C("IS", "Atlantic/Reykjavik", "is", "ISK", "is", EUROPE,
      ("Landsbókasafn Íslands – Háskólabókasafn", "National and University Library of Iceland", "冰岛国家与大学图书馆"),
      "Reykjavík|Reykjavik|雷克雅未克|í Reykjavík; Akureyri||阿克雷里|á Akureyri",
      [(6, 17, 1, "Þjóðhátíðardagurinn", "National Day")]),
    # Africa
    C("EG", "Africa/Cairo", "ar", "EGP", "ar", AFRICA, ("دار الكتب والوثائق القومية", "Egyptian National Library and Archives", "埃及国家图书档案馆"),  # noqa: E501
      "القاهرة|Cairo|开罗; الإسكندرية|Alexandria|亚历山大; أسيوط|Assiut|艾斯尤特; المنصورة|Mansoura|曼苏拉",
      [(7, 23, 1, "عيد ثورة 23 يوليو", "Revolution Day"), (10, 6, 1, "عيد القوات المسلحة", "Armed Forces Day")]),
    C("MA", "Africa/Casablanca", "ar fr", "MAD", "ar", AFRICA,
      ("المكتبة الوطنية للمملكة المغربية", "National Library of the Kingdom of Morocco", "摩洛哥国家图书馆"),
      "الرباط|Rabat|拉巴特; الدار البيضاء|Casablanca|卡萨布兰卡; فاس|Fez|非斯; مراكش|Marrakesh|马拉喀什",
      [(7, 30, 1, "عيد العرش", "Throne Day"), (11, 18, 1, "عيد الاستقلال", "Independence Day")]),
    C("DZ", "Africa/Algiers", "ar fr", "DZD", "ar", AFRICA, ("المكتبة الوطنية الجزائرية", "National Library of Algeria", "阿尔及利亚国家图书馆"),  # noqa: E501
      "الجزائر|Algiers|阿尔及尔; وهران|Oran|奥兰; قسنطينة|Constantine|君士坦丁",
      [(7, 5, 1, "عيد الاستقلال", "Independence Day"), (11, 1, 1, "عيد الثورة", "Revolution Day")]),
    C("TN", "Africa/Tunis", "ar fr", "TND", "ar", AFRICA, ("المكتبة الوطنية التونسية", "National Library of Tunisia", "突尼斯国家图书馆"),  # noqa: E501
      "تونس|Tunis|突尼斯; صفاقس|Sfax|斯法克斯; سوسة|Sousse|苏塞", [(3, 20, 1, "عيد الاستقلال", "Independence Day")]),
    C("NG", "Africa/Lagos", "en yo ha ig", "NGN", "en", AFRICA, ("National Library of Nigeria", "National Library of Nigeria", "尼日利亚国家图书馆"),  # noqa: E501
      "Abuja||阿布贾; Lagos||拉各斯; Ibadan||伊巴丹; Kano||卡诺; Enugu||埃努古",
      [(10, 1, 1, "Independence Day", "Independence Day")]),
    C("GH", "Africa/Accra", "en", "GHS", "en", AFRICA, None, "Accra||阿克拉; Kumasi||库马西; Cape Coast||海岸角",
      [(3, 6, 1, "Independence Day", "Independence Day")]),
    C("KE", "Africa/Nairobi", "sw en", "KES", "sw", AFRICA,
      ("Huduma ya Maktaba ya Taifa ya Kenya", "Kenya National Library Service", "肯尼亚国家图书馆服务局"),
      "Nairobi||内罗毕; Mombasa||蒙巴萨; Kisumu||基苏木; Eldoret||埃尔多雷特",
      [(6, 1, 1, "Siku ya Madaraka", "Madaraka Day"), (12, 12, 1, "Siku ya Jamhuri", "Jamhuri Day")]),
    C("TZ", "Africa/Dar_es_Salaam", "sw en", "TZS", "sw", AFRICA,
      ("Bodi ya Huduma za Maktaba Tanzania", "Tanzania Library Services Board", "坦桑尼亚图书馆服务委员会"),
      "Dar es Salaam||达累斯萨拉姆; Dodoma||多多马; Arusha||阿鲁沙; Mwanza||姆万扎",
      [(4, 26, 1, "Siku ya Muungano", "Union Day"), (12, 9, 1, "Siku ya Uhuru", "Independence Day")]),
    C("UG", "Africa/Kampala", "en sw", "UGX", "en", AFRICA, ("National Library of Uganda", "National Library of Uganda", "乌干达国家图书馆"),  # noqa: E501
      "Kampala||坎帕拉; Gulu||古卢; Mbarara||姆巴拉拉", [(10, 9, 1, "Independence Day", "Independence Day")]),
    C("ET", "Africa/Addis_Ababa", "am", "ETB", "am", AFRICA,
      ("የኢትዮጵያ ብሔራዊ ቤተ መዛግብትና ቤተ መጻሕፍት", "National Archives and Library of Ethiopia", "埃塞俄比亚国家档案图书馆"),
      "አዲስ አበባ|Addis Ababa|亚的斯亚贝巴; ባሕር ዳር|Bahir Dar|巴赫达尔; መቀሌ|Mekelle|默克莱; ጎንደር|Gondar|贡德尔",
      [(5, 28, 1, "ግንቦት ሃያ", "Downfall of the Derg")]),
    C("ZA", "Africa/Johannesburg", "en af zu xh", "ZAR", "en", AFRICA,
      ("National Library of South Africa", "National Library of South Africa", "南非国家图书馆"),
      "Pretoria||比勒陀利亚; Cape Town||开普敦; Johannesburg||约翰内斯堡; Durban||德班; Stellenbosch||斯泰伦博斯",
      [(4, 27, 1, "Freedom Day", "Freedom Day"), (9, 24, 1, "Heritage Day", "Heritage Day")]),
    C("SN", "Africa/Dakar", "fr wo", "XOF", "fr", AFRICA, None, "Dakar||达喀尔; Saint-Louis||圣路易; Thiès|Thies|捷斯",
      [(4, 4, 1, "Fête de l'Indépendance", "Independence Day")]),
    C("CI", "Africa/Abidjan", "fr", "XOF", "fr", AFRICA,
      ("Bibliothèque nationale de Côte d'Ivoire", "National Library of Côte d'Ivoire", "科特迪瓦国家图书馆"),
      "Abidjan||阿比让; Yamoussoukro||亚穆苏克罗; Bouaké|Bouake|布瓦凯",
      [(8, 7, 1, "Fête de l'Indépendance", "Independence Day")]),
    C("CM", "Africa/Douala", "fr en", "XAF", "fr", AFRICA,
      ("Bibliothèque nationale du Cameroun", "National Library of Cameroon", "喀麦隆国家图书馆"),
      "Yaoundé|Yaounde|雅温得; Douala||杜阿拉; Buea||布埃亚", [(5, 20, 1, "Fête nationale", "National Day")]),
    C("MG", "Indian/Antananarivo", "mg fr", "MGA", "fr", AFRICA,
      ("Bibliothèque nationale de Madagascar", "National Library of Madagascar", "马达加斯加国家图书馆"),
      "Antananarivo||塔那那利佛; Toamasina||图阿马西纳; Mahajanga||马哈赞加",
      [(6, 26, 1, "Fetim-pirenena", "Independence Day")]),
    C("MZ", "Africa/Maputo", "pt", "MZN", "pt", AFRICA, ("Biblioteca Nacional de Moçambique", "National Library of Mozambique", "莫桑比克国家图书馆"),  # noqa: E501
      "Maputo||马普托; Beira||贝拉; Nampula||楠普拉", [(6, 25, 1, "Dia da Independência", "Independence Day")]),
    C("AO", "Africa/Luanda", "pt", "AOA", "pt", AFRICA, ("Biblioteca Nacional de Angola", "National Library of Angola", "安哥拉国家图书馆"),  # noqa: E501
      "Luanda||罗安达; Huambo||万博; Benguela||本格拉", [(11, 11, 1, "Dia da Independência", "Independence Day")]),
    # The Americas
    C("US", "America/New_York", "en", "USD", "en", AMERICAS, ("Library of Congress", "Library of Congress", "美国国会图书馆"),
      "Washington||华盛顿; New York||纽约; Boston||波士顿; Chicago||芝加哥||America/Chicago; "
      "Berkeley||伯克利||America/Los_Angeles; Seattle||西雅图||America/Los_Angeles; Ann Arbor||安娜堡||America/Detroit; "
      "Austin||奥斯汀||America/Chicago",
      [(7, 4, 1, "Independence Day", "Independence Day"), (11, 26, 2, "Thanksgiving", "Thanksgiving")],
      national_isil="US-DLC", national_oclc="DLC"),
    C("CA", "America/Toronto", "en fr", "CAD", "en", AMERICAS,
      ("Library and Archives Canada", "Library and Archives Canada", "加拿大国家图书档案馆"),
      "Ottawa||渥太华; Toronto||多伦多; Vancouver||温哥华||America/Vancouver; Calgary||卡尔加里||America/Edmonton; "
      "Halifax||哈利法克斯||America/Halifax",
      [(7, 1, 1, "Canada Day", "Canada Day")]),
    C("MX", "America/Mexico_City", "es", "MXN", "es", AMERICAS, ("Biblioteca Nacional de México", "National Library of Mexico", "墨西哥国家图书馆"),  # noqa: E501
      "Ciudad de México|Mexico City|墨西哥城; Guadalajara||瓜达拉哈拉; Monterrey||蒙特雷||America/Monterrey; Puebla||普埃布拉",
      [(9, 16, 1, "Día de la Independencia", "Independence Day")]),
    C("CU", "America/Havana", "es", "CUP", "es", AMERICAS,
      ("Biblioteca Nacional de Cuba José Martí", "José Martí National Library of Cuba", "古巴何塞·马蒂国家图书馆"),
      "La Habana|Havana|哈瓦那; Santiago de Cuba||圣地亚哥; Camagüey|Camaguey|卡马圭",
      [(7, 25, 3, "Día de la Rebeldía Nacional", "National Rebellion Day")]),
    C("JM", "America/Jamaica", "en", "JMD", "en", AMERICAS, ("National Library of Jamaica", "National Library of Jamaica", "牙买加国家图书馆"),  # noqa: E501
      "Kingston||金斯敦; Montego Bay||蒙特哥贝", [(8, 6, 1, "Independence Day", "Independence Day")]),
    C("BR", "America/Sao_Paulo", "pt", "BRL", "pt", AMERICAS, ("Fundação Biblioteca Nacional", "National Library of Brazil", "巴西国家图书馆"),  # noqa: E501
      "Rio de Janeiro||里约热内卢; São Paulo|Sao Paulo|圣保罗; Brasília|Brasilia|巴西利亚; Salvador||萨尔瓦多||America/Bahia; "
      "Porto Alegre||阿雷格里港; Manaus||马瑙斯||America/Manaus",
      [(9, 7, 1, "Dia da Independência", "Independence Day"), (11, 15, 1, "Proclamação da República", "Republic Day")]),
    C("AR", "America/Argentina/Buenos_Aires", "es", "ARS", "es", AMERICAS,
      ("Biblioteca Nacional Mariano Moreno", "Mariano Moreno National Library", "阿根廷马里亚诺·莫雷诺国家图书馆"),
      "Buenos Aires||布宜诺斯艾利斯; Córdoba|Cordoba|科尔多瓦||America/Argentina/Cordoba; Rosario||罗萨里奥; "
      "Mendoza||门多萨||America/Argentina/Mendoza",
      [(5, 25, 1, "Día de la Revolución de Mayo", "May Revolution Day"), (7, 9, 1, "Día de la Independencia", "Independence Day")]),  # noqa: E501
    C("CL", "America/Santiago", "es", "CLP", "es", AMERICAS, ("Biblioteca Nacional de Chile", "National Library of Chile", "智利国家图书馆"),  # noqa: E501
      "Santiago||圣地亚哥; Valparaíso|Valparaiso|瓦尔帕莱索; Concepción|Concepcion|康塞普西翁",
      [(9, 18, 2, "Fiestas Patrias", "National Holidays")]),
    C("PE", "America/Lima", "es qu", "PEN", "es", AMERICAS, ("Biblioteca Nacional del Perú", "National Library of Peru", "秘鲁国家图书馆"),
      "Lima||利马; Arequipa||阿雷基帕; Cusco||库斯科; Trujillo||特鲁希略", [(7, 28, 2, "Fiestas Patrias", "National Holidays")]),
    C("CO", "America/Bogota", "es", "COP", "es", AMERICAS, ("Biblioteca Nacional de Colombia", "National Library of Colombia", "哥伦比亚国家图书馆"),  # noqa: E501
      "Bogotá|Bogota|波哥大; Medellín|Medellin|麦德林; Cali||卡利; Cartagena||卡塔赫纳",
      [(7, 20, 1, "Día de la Independencia", "Independence Day"), (8, 7, 1, "Batalla de Boyacá", "Battle of Boyacá")]),
    C("VE", "America/Caracas", "es", "VES", "es", AMERICAS, ("Biblioteca Nacional de Venezuela", "National Library of Venezuela", "委内瑞拉国家图书馆"),  # noqa: E501
      "Caracas||加拉加斯; Maracaibo||马拉开波; Mérida|Merida|梅里达", [(7, 5, 1, "Día de la Independencia", "Independence Day")]),  # noqa: E501
    C("EC", "America/Guayaquil", "es", "USD", "es", AMERICAS,
      ("Biblioteca Nacional del Ecuador Eugenio Espejo", "Eugenio Espejo National Library of Ecuador", "厄瓜多尔国家图书馆"),
      "Quito||基多; Guayaquil||瓜亚基尔; Cuenca||昆卡", [(8, 10, 1, "Primer Grito de Independencia", "Independence Day")]),
    C("BO", "America/La_Paz", "es qu ay", "BOB", "es", AMERICAS,
      ("Archivo y Biblioteca Nacionales de Bolivia", "National Archives and Library of Bolivia", "玻利维亚国家档案图书馆"),
      "Sucre||苏克雷; La Paz||拉巴斯; Cochabamba||科恰班巴; Santa Cruz de la Sierra|Santa Cruz|圣克鲁斯",
      [(8, 6, 1, "Día de la Patria", "Independence Day")]),
    C("UY", "America/Montevideo", "es", "UYU", "es", AMERICAS, ("Biblioteca Nacional de Uruguay", "National Library of Uruguay", "乌拉圭国家图书馆"),  # noqa: E501
      "Montevideo||蒙得维的亚; Salto||萨尔托; Paysandú|Paysandu|派桑杜",
      [(8, 25, 1, "Declaratoria de la Independencia", "Independence Day")]),
]

# Countries of the Belt and Road cooperation that the library tags as such.
BELT_AND_ROAD = set(
    "MN VN TH MY SG ID PH KH LA MM PK BD LK NP KZ UZ KG IR TR SA AE QA JO LB KW IQ NZ FJ PG IT PT GR PL CZ SK HU RO "
    "BG RS HR SI BY RU LT LV EE EG MA DZ TN NG GH KE TZ UG ET ZA SN CI CM MG MZ AO CU JM CL PE VE EC BO UY".split()
)


@dataclass(frozen=True)
class Named:
    """An institution named outright (organisations, consortia, vendors, famous libraries)."""

    kind: str
    country: str
    city: City
    name: str
    name_en: str
    name_zh: str
    acronym: str = ""
    isil: str = ""
    tags: tuple[str, ...] = ()


def N(kind, country, city, name, name_en, name_zh, acronym="", isil="", tags=()) -> Named:
    return Named(kind, country, _cities(city)[0], name, name_en, name_zh, acronym, isil, tuple(tags))


INTL, CONS, VEND, RES, UNI = "international_organisation", "consortium", "vendor", "research_library", "university_library"

NAMED: list[Named] = [
    N(INTL, "NL", "Den Haag|The Hague|海牙", "International Federation of Library Associations and Institutions",
      "International Federation of Library Associations and Institutions", "国际图书馆协会与机构联合会", "IFLA", tags=["IFLA"]),
    N(INTL, "FR", "Paris||巴黎", "Bibliothèque de l'UNESCO", "UNESCO Library", "联合国教科文组织图书馆", "UNESCO"),
    N(INTL, "US", "New York||纽约", "Dag Hammarskjöld Library", "Dag Hammarskjöld Library", "联合国达格·哈马舍尔德图书馆"),
    N(INTL, "CH", "Genève|Geneva|日内瓦", "Bibliothèque de l'Organisation mondiale de la Santé", "WHO Library",
      "世界卫生组织图书馆", "WHO"),
    N(INTL, "CH", "Genève|Geneva|日内瓦", "CERN Library", "CERN Library", "欧洲核子研究中心图书馆", "CERN"),
    N(INTL, "IT", "Roma|Rome|罗马", "Biblioteca David Lubin della FAO", "FAO David Lubin Memorial Library",
      "联合国粮农组织戴维·卢宾纪念图书馆", "FAO"),
    N(INTL, "AT", "Wien|Vienna|维也纳", "IAEA Library", "IAEA Library", "国际原子能机构图书馆", "IAEA"),
    N(CONS, "US", "Dublin, Ohio|Dublin, Ohio|俄亥俄州都柏林", "OCLC", "OCLC", "OCLC联机计算机图书馆中心", "OCLC"),
    N(CONS, "NL", "Den Haag|The Hague|海牙", "LIBER – Association of European Research Libraries",
      "LIBER – Association of European Research Libraries", "欧洲研究图书馆协会", "LIBER"),
    N(CONS, "GB", "Bristol||布里斯托尔", "Jisc", "Jisc", "英国联合信息系统委员会", "Jisc"),
    N(CONS, "FR", "Paris||巴黎", "Consortium Couperin", "Couperin Consortium", "法国Couperin高校数字资源联盟", "Couperin"),
    N(CONS, "AU", "Canberra||堪培拉", "Council of Australian University Librarians",
      "Council of Australian University Librarians", "澳大利亚大学图书馆馆长理事会", "CAUL"),
    N(CONS, "KR", "대구|Daegu|大邱", "한국교육학술정보원", "Korea Education and Research Information Service", "韩国教育学术信息院",
      "KERIS"),
    N(CONS, "CN", "北京|Beijing|北京", "中国高等教育文献保障系统", "China Academic Library & Information System",
      "中国高等教育文献保障系统", "CALIS", tags=["CALIS"]),
    N(CONS, "CN", "北京|Beijing|北京", "中国高校人文社会科学文献中心", "China Academic Social Sciences and Humanities Library",
      "中国高校人文社会科学文献中心", "CASHL", tags=["CALIS"]),
    N(CONS, "CN", "北京|Beijing|北京", "丝路图书馆合作联盟", "Silk Road Library Cooperation Alliance", "丝路图书馆合作联盟",
      tags=["Belt and Road"]),
    N(VEND, "DE", "Wiesbaden||威斯巴登", "Otto Harrassowitz GmbH & Co. KG", "Harrassowitz", "德国哈拉索维茨图书公司"),
    N(VEND, "IT", "Fiesole||菲耶索莱", "Casalini Libri", "Casalini Libri", "意大利卡萨里尼图书公司"),
    N(VEND, "JP", "東京|Tokyo|东京|東京都", "株式会社紀伊國屋書店", "Kinokuniya Company Ltd.", "纪伊国屋书店"),
    N(VEND, "US", "Ipswich, Massachusetts|Ipswich, Massachusetts|马萨诸塞州伊普斯威奇", "EBSCO Information Services",
      "EBSCO Information Services", "EBSCO信息服务公司", "EBSCO"),
    N(VEND, "CN", "北京|Beijing|北京", "中国图书进出口（集团）有限公司", "China National Publications Import & Export (Group) Corporation",
      "中国图书进出口（集团）有限公司", "CNPIEC"),
    N(VEND, "CN", "北京|Beijing|北京", "中国国际图书贸易集团有限公司", "China International Book Trading Corporation",
      "中国国际图书贸易集团有限公司", "CIBTC"),
    N(RES, "DE", "Berlin||柏林", "Staatsbibliothek zu Berlin", "Berlin State Library", "柏林国家图书馆", "SBB", isil="DE-1"),
    N(RES, "RU", "Санкт-Петербург|Saint Petersburg|圣彼得堡", "Российская национальная библиотека",
      "National Library of Russia", "俄罗斯国家图书馆", "РНБ"),
    N(RES, "EG", "الإسكندرية|Alexandria|亚历山大", "مكتبة الإسكندرية", "Bibliotheca Alexandrina", "亚历山大图书馆"),
    N(RES, "VA", "Città del Vaticano|Vatican City|梵蒂冈城", "Biblioteca Apostolica Vaticana", "Vatican Apostolic Library",
      "梵蒂冈宗座图书馆"),
    N(RES, "JP", "東京|Tokyo|东京|東京都", "東洋文庫", "Toyo Bunko (Oriental Library)", "东洋文库"),
    N(UNI, "GB", "Oxford||牛津", "Bodleian Libraries, University of Oxford", "Bodleian Libraries, University of Oxford",
      "牛津大学博德利图书馆"),
]

# Further names of national libraries: (value, language, kind).
NATIONAL_NAMES = {
    "CN": [("NLC", "en", "acronym")],
    "JP": [("NDL", "en", "acronym"), ("Kokuritsu Kokkai Toshokan", "ja-Latn", "romanised")],
    "KR": [("NLK", "en", "acronym"), ("Gungnip Jungang Doseogwan", "ko-Latn", "romanised")],
    "US": [("LC", "en", "acronym")],
    "GB": [("BL", "en", "acronym")],
    "FR": [("BnF", "fr", "acronym")],
    "DE": [("DNB", "de", "acronym")],
    "RU": [("РГБ", "ru", "acronym"), ("Rossiĭskaia gosudarstvennaia biblioteka", "ru-Latn", "romanised"),
           ("Государственная библиотека СССР имени В. И. Ленина", "ru", "former")],
    "NZ": [("Te Puna Mātauranga o Aotearoa", "mi", "translated")],
    "IE": [("Leabharlann Náisiúnta na hÉireann", "ga", "translated")],
    "CA": [("Bibliothèque et Archives Canada", "fr", "translated"), ("LAC", "en", "acronym")],
    "BE": [("KBR – Bibliothèque royale de Belgique", "fr", "translated")],
    "IL": [("NLI", "en", "acronym"), ("المكتبة الوطنية الإسرائيلية", "ar", "translated")],
    "TH": [("Ho Samut Haeng Chat", "th-Latn", "romanised")],
    "GR": [("Ethnikí Vivliothíki tis Elládos", "el-Latn", "romanised")],
}

HOME = {
    "name": "示例大学图书馆",
    "name_zh": "示例大学图书馆",
    "name_en": "Example University Library",
    "acronym": "EUL",
    "city": City("北京", "Beijing", "北京", "北京", ""),
    "region": "北京市",
    "isil": "CN-EXUL",
    "calis": "211999",
    "domain": "lib.example-university.example",
    "street": ("海淀区学院路 100 号", "100 Xueyuan Lu, Haidian District"),
    "postcode": "100083",
}

# Staff of our library who sign agreements or appear as contacts.
HOME_PEOPLE = [("周建华", "Zhou Jianhua", "馆长"), ("孙晓梅", "Sun Xiaomei", "副馆长"), ("王丽", "Wang Li", "国际合作部主任")]

# Persona accounts: (username, password, role, full name, language, e-mail local part)
PERSONAS = [
    ("admin", "bibliobridge-admin", "administrator", "陈静", "zh-hans"),
    ("officer", "bibliobridge-officer", "cooperation_officer", "王丽", "zh-hans"),
    ("ill", "bibliobridge-ill", "ill_staff", "李娜", "zh-hans"),
    ("exchange", "bibliobridge-exchange", "exchange_staff", "刘洋", "zh-hans"),
    ("viewer", "bibliobridge-viewer", "viewer", "Emily Clarke", "en"),
]

CONTACT_TITLES = {
    "director": "Director",
    "cooperation": "Head of International Cooperation",
    "ill": "Interlibrary Loan Librarian",
    "document_delivery": "Document Delivery Coordinator",
    "exchange": "Exchange and Gifts Librarian",
    "eresources": "Electronic Resources Librarian",
}

SHIPPING = [
    "Airmail, tracked; loan period 6 weeks from receipt.",
    "Courier (DHL) at the borrower's cost; loan period 4 weeks, one renewal.",
    "Registered surface mail; returnables only for post-1900 imprints.",
    "Copies by e-mail (PDF) within 3 working days; returnables by tracked airmail.",
    "Returnables by courier only; in-library use may be required for rare items.",
]
# fmt: on
