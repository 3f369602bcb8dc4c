package knowledge

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"kbot/knowledge/cjk"
	"kbot/knowledge/whitespace"
)

// answerKind is the kind of answer a question wants. Each kind that names
// a thing (a person, a figure, a date, a place) can be checked against a
// sentence: a passage answers only if one of its sentences holds such a
// thing next to what the question asks about.
type answerKind string

const (
	kindFact    answerKind = "fact"
	kindPerson  answerKind = "person"
	kindNumber  answerKind = "number"
	kindDate    answerKind = "date"
	kindPlace   answerKind = "place"
	kindList    answerKind = "list"
	kindMethod  answerKind = "method"
	kindSummary answerKind = "summary"
	kindArticle answerKind = "article"
	// kindTask is a request to produce something (写一份…, 翻译…) rather
	// than a question the collection could answer.
	kindTask answerKind = "task"
)

// The patterns are general Chinese ways of asking, tried in the order of
// kindPatterns: the first that matches decides.
var (
	asksName = regexp.MustCompile(`叫什么名字|叫啥名字|叫什么|叫啥|名字|姓名|是谁|哪位|什么人|谁(来|在|负责|带|授课|讲|主持|担任)`)
	// asksPerson asks for a person whatever the question names; 叫什么名字
	// asks for a person only when the question names a post (书记叫什么
	// 名字) — a co-operative or a plan has a name too.
	asksPerson  = regexp.MustCompile(`是谁|哪位|什么人|姓名|谁(来|在|负责|带|授课|讲|主持|担任)`)
	asksOther   = regexp.MustCompile(`作者|写的|撰写|署名|出自`)
	asksArticle = regexp.MustCompile(`作者|谁写|哪个(村|单位|部门|镇|社区|人)?写|署名|出自|题目|标题|哪篇|什么文章|写了(什么|啥|哪些)|发(表)?了(什么|啥|哪些)(文章|稿)?|的文章(是|叫|有|题)|的稿子(是|叫|题)`)
	asksNumber  = regexp.MustCompile(`多少|几(个|名|人|次|项|家|户|万|千|百|年|天|批|所|条|种|位|岁|栋|亩|公顷|元|场|期|届|部|支|座)|多大(年纪|岁数)?|数量|规模|覆盖了|比例|百分之|几成|多高|多长|多远|多重|多久`)
	asksDate    = regexp.MustCompile(`什么时候|何时|哪(一)?年|哪(一)?天|几月|几号|哪个月|什么时间|日期|时间是`)
	asksPlace   = regexp.MustCompile(`在哪|哪里|哪儿|什么地方|何地|何处|哪个(地方|城市|县|区|村|镇|乡|社区)|到哪|去哪|地址|位置`)
	asksItems   = regexp.MustCompile(`哪些|哪几|有几(个|条|项|点|种)|是哪[一二三四五六七八九十两]+|[一二三四五六七八九十两]+(条|点|项|个方面)|分别`)
	asksMethod  = regexp.MustCompile(`怎么|怎样|如何|做法|举措|措施|办法|经验|途径|方式|怎么办|靠什么|用什么`)
	asksTask    = regexp.MustCompile(`^(请|请你|麻烦|帮我|给我|替我|你)?(帮我|给我|替我)?(写|起草|撰写|生成|编写|翻译|编|画|创作|改写|润色|作)(一|个|份|篇|首|段|封|下)`)
	asksInject  = regexp.MustCompile(`忽略|无视|系统提示|提示词|prompt|扮演|角色设定`)
)

// kindOf returns the kind of answer question q (without white space)
// wants.
func kindOf(q string) answerKind {
	switch {
	case asksTask.MatchString(q) || asksInject.MatchString(strings.ToLower(q)):
		return kindTask
	case asksArticle.MatchString(q):
		return kindArticle
	case asksPerson.MatchString(q) || asksName.MatchString(q) && namesPost(q):
		return kindPerson
	case asksDate.MatchString(q):
		return kindDate
	case strings.Contains(q, "哪几"):
		// 哪几位, 哪几个方面: the items, not a count.
		if asksOutline.MatchString(q) {
			return kindSummary
		}
		return kindList
	case asksPlace.MatchString(q) && !asksMethod.MatchString(q):
		return kindPlace
	case asksNumber.MatchString(q):
		return kindNumber
	case asksOutline.MatchString(q):
		return kindSummary
	case asksMethod.MatchString(q):
		return kindMethod
	case asksItems.MatchString(q):
		return kindList
	}
	return kindFact
}

// namesPost reports whether q names a post.
func namesPost(q string) bool {
	for _, p := range posts {
		if strings.Contains(q, p) {
			return true
		}
	}
	return false
}

// posts are the titles a question may ask the holder of, longest first
// where one contains another. 组织部长 is also written 组织部部长;
// normalisePosts folds the second into the first.
var posts = []string{
	"组织部长", "负责人", "第一书记", "书记", "主任", "部长", "组长", "县长", "市长", "区长", "镇长", "乡长", "村长",
	"校长", "院长", "局长", "厂长", "所长", "社长", "站长", "队长", "会长", "经理", "主席", "董事长",
}

var postFolder = strings.NewReplacer("组织部部长", "组织部长")

// normalisePosts removes white space and folds the spellings of a post.
func normalisePosts(s string) string { return postFolder.Replace(whitespace.Remove(s)) }

// notNameBefore are characters that end an organisation or a qualifier
// rather than a name when they stand right before a post (党委书记,
// 村书记, 副书记, 第一书记).
const notNameBefore = "委部区村镇乡县市省社站队组会局院校厂所处科室支总副第一二三四五六七八九十的和与及、党团街道司企协任兼当为是"

// notNameAfter are characters that, right after a post, begin a verb or a
// function word rather than a name (书记指出, 书记要, 书记的).
const notNameAfter = "要的在和与及等是为对把将有也都就到领进汇提指强调考视关重系抓处协作职们培坚发挥带头亲先说表同当讲兼担、，。；：“”"

// nameEnd are characters that, as the third character after a post,
// begin what follows a two-character name rather than end a
// three-character one (王莉当…, 陈国辉到…: 当 ends nothing, 到 does).
const nameEnd = "先后出如在是为同等和说到带介要对于将把被也就都亲当任兼讲指代主参"

// holder is a person named at a post in a text.
type holder struct {
	post, name string
	// prefix is the text before the post within its clause: the
	// organisation and place the post belongs to (市委常委、组织部长 →
	// 市委常委、).
	prefix string
}

// holdersIn finds the people named at a post in text (without white
// space): 支部书记李林森, 李林森书记.
func holdersIn(text string) []holder {
	rs := []rune(normalisePosts(text))
	var out []holder
	for i := 0; i < len(rs); i++ {
		post, pl := postAt(rs, i)
		if post == "" {
			continue
		}
		name := ""
		if nameAfter(rs[i+pl:]) {
			n := 2
			if i+pl+2 < len(rs) && cjk.IsHan(rs[i+pl+2]) && !strings.ContainsRune(nameEnd, rs[i+pl+2]) && !startsPost(rs[i+pl+2:]) {
				n = 3
			}
			name = string(rs[i+pl : i+pl+n])
		} else if nameBefore(rs[:i]) {
			n := 2
			if i >= 3 && cjk.IsHan(rs[i-3]) && !strings.ContainsRune(notNameBefore, rs[i-3]) && !strings.ContainsRune(notInName, rs[i-3]) {
				n = 3
			}
			name = string(rs[i-n : i])
		}
		if name != "" {
			out = append(out, holder{post: post, name: name, prefix: clauseBefore(rs, i)})
		}
		i += pl - 1
	}
	return out
}

// postRunes are posts as runes, for postAt.
var postRunes = func() [][]rune {
	out := make([][]rune, len(posts))
	for i, p := range posts {
		out[i] = []rune(p)
	}
	return out
}()

// postAt returns the post that starts at rs[i] and its length in runes,
// or "" (the first of posts that matches, so the longest).
func postAt(rs []rune, i int) (string, int) {
	for k, pr := range postRunes {
		if i+len(pr) > len(rs) || rs[i] != pr[0] {
			continue
		}
		match := true
		for j := 1; j < len(pr); j++ {
			if rs[i+j] != pr[j] {
				match = false
				break
			}
		}
		if match {
			return posts[k], len(pr)
		}
	}
	return "", 0
}

func startsPost(rs []rune) bool {
	s := string(rs[:min(len(rs), 4)])
	for _, p := range posts {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// clauseBefore returns up to 12 characters before rs[i], back to the
// start of the clause (a comma or a full stop; 、 joins posts and stays).
func clauseBefore(rs []rune, i int) string {
	j := i
	for j > 0 && i-j < 12 && !strings.ContainsRune("，。；：！？,.;:!?\n（）()“”", rs[j-1]) {
		j--
	}
	return string(rs[j:i])
}

// nameAfter reports whether rs starts with something that reads as a
// personal name: two Han characters that begin neither a verb nor
// another post ("任组长" is "serves as head", not a name).
func nameAfter(rs []rune) bool {
	if len(rs) < 2 || !cjk.IsHan(rs[0]) || !cjk.IsHan(rs[1]) {
		return false
	}
	if strings.ContainsRune(notNameAfter, rs[0]) || strings.ContainsRune(notNameAfter, rs[1]) && strings.ContainsRune("们的", rs[1]) {
		return false
	}
	rest := string(rs[1:min(len(rs), 5)])
	for _, p := range posts {
		if strings.HasPrefix(rest, p) || strings.HasPrefix(string(rs), p) {
			return false
		}
	}
	for _, w := range []string{"副", "兼", "为", "主"} {
		if strings.HasPrefix(rest, w) {
			return false
		}
	}
	return true
}

// nameBefore reports whether rs ends with something that reads as a
// personal name right before a post (李林森书记).
func nameBefore(rs []rune) bool {
	n := len(rs)
	if n < 2 || !cjk.IsHan(rs[n-1]) || !cjk.IsHan(rs[n-2]) {
		return false
	}
	return !strings.ContainsRune(notNameBefore, rs[n-1]) && !strings.ContainsRune(notNameBefore, rs[n-2]) &&
		!strings.ContainsRune(notInName, rs[n-1]) && !strings.ContainsRune(notInName, rs[n-2])
}

// hasFigure reports whether s states a figure: digits, or a Chinese
// numeral before a measure word.
func hasFigure(s string) bool {
	for _, r := range s {
		if r >= '0' && r <= '9' {
			return true
		}
	}
	return chineseFigure.MatchString(s)
}

// chineseFigure is a figure in Chinese numerals before a measure word; a
// lone 一 (一个亮点, 一项工作) is an article, not a figure.
var chineseFigure = regexp.MustCompile(`(?:[二两三四五六七八九十百千万][一二两三四五六七八九十百千万]*|一[十百千万][一二两三四五六七八九十百千万]*)(个|名|人|次|项|家|户|年|天|批|所|条|种|万|亿|元|岁|位|栋|亩)`)

// figureUnit returns the units a number question wants the figure in:
// the measure word it counts by (多少个 → 个, 多少人 → 人/名/位), or
// the unit its words imply (多少钱 → 元, 多大年纪 → 岁, 多少比例 → %,
// 电话 → a long number); nil for any figure.
func figureUnit(q string) []string {
	if m := perUnit.FindStringSubmatch(q); m != nil {
		u := m[1] + m[2]
		return []string{"每" + u, "/" + u, "一" + u}
	}
	switch {
	case strings.Contains(q, "电话") || strings.Contains(q, "手机") || strings.Contains(q, "号码") || strings.Contains(q, "邮编"):
		return []string{unitDigits}
	case moneyWords.MatchString(q):
		return []string{"#元"}
	case strings.Contains(q, "年纪") || strings.Contains(q, "岁数") || strings.Contains(q, "几岁") || strings.Contains(q, "年龄"):
		return []string{"#岁", "#周岁"}
	case strings.Contains(q, "比例") || strings.Contains(q, "百分之") || strings.Contains(q, "几成") || strings.Contains(q, "比重"):
		return []string{"%", "％", "百分之", "比例"}
	}
	if m := countedBy.FindStringSubmatch(q); m != nil {
		switch m[1] {
		case "人", "名", "位":
			return []string{"#人", "#名", "#位"}
		case "个", "家", "所":
			return []string{"#个", "#家", "#所"}
		}
		return []string{"#" + m[1]}
	}
	return nil
}

// moneyWords ask for an amount of money.
var moneyWords = regexp.MustCompile(`多少钱|价格|票价|收入|工资|补贴|资金|经费|奖金|金额|投资|费用|利润|产值|销售额|资产|分红`)

// countedBy finds the measure word a number question counts by.
var countedBy = regexp.MustCompile(`(?:多少|几)(个|名|人|次|项|家|户|批|所|条|种|位|岁|栋|亩|公顷|元|场|期|届|部|支|座|天|年|篇|份|套|台|辆|公里|平方米)`)

// figureWith reports whether s has a figure followed by unit (written
// after "#"): 1434人, 8419 个, 两万余名.
func figureWith(s, unit string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], unit)
		if j < 0 {
			return false
		}
		j += i
		k := j
		for k > 0 {
			r, size := utf8.DecodeLastRuneInString(s[:k])
			if !strings.ContainsRune("0123456789.一二两三四五六七八九十百千万亿余多", r) {
				break
			}
			k -= size
		}
		if k < j {
			// A figure made only of 余/多 is no figure.
			if strings.IndexFunc(s[k:j], func(r rune) bool { return !strings.ContainsRune("余多", r) }) >= 0 {
				return true
			}
		}
		i = j + len(unit)
	}
}

// perUnit asks for a price per unit: 多少钱一斤, 每斤多少钱.
var perUnit = regexp.MustCompile(`多少钱一(\p{Han})|每(\p{Han})多少钱`)

// unitDigits stands for a number written as a long run of digits (a
// telephone number); longDigits finds one.
const unitDigits = "#digits"

var longDigits = regexp.MustCompile(`[0-9]{7,}`)

// datePattern finds a date in a sentence: a year, a month or a day.
var datePattern = regexp.MustCompile(`(?:19|20)[0-9]{2}年|[0-9]{1,2}月|[0-9]{1,2}日|[一二三四五六七八九十]+月|七一|今年|去年|明年|年初|年底`)

// enumeration marks a sentence that lists: items joined by 、 or ；, or
// an ordinal that opens an item (一是, 第一, （一）).
var enumeration = regexp.MustCompile(`^(?:[一二三四五六七八九十]+是|第[一二三四五六七八九十]+|（[一二三四五六七八九十]+）|[0-9]+[.、．]|首先|其次|再次|最后|此外)|[^、]+、[^、]+、[^、]+|[^、，。]+、[^、，。]+等`)

// listOpener marks a sentence that opens a list: it ends in a colon, or
// counts what follows (三项计划, “五多五少”).
var listOpener = regexp.MustCompile(`[：:]$|[一二三四五六七八九十两]+(项|个|条|种|大|多|少|化|心|型|位|到|抓|个方面|是)`)

// placeIn reports whether a sentence names a place: a name with an
// administrative suffix (…村, …县), a known county, or 在/到 + a place.
func placeIn(s string, g *gazetteer) bool {
	if len(g.find(s)) > 0 {
		return true
	}
	for _, p := range placesIn(s) {
		if len([]rune(p)) >= 3 {
			return true
		}
	}
	return placePhrase.MatchString(s)
}

// placePhrase is a place after 在/到/赴/于 that ends in a word for a place
// other than an administrative one (玉泉山, 淘宝大学礼堂, 新开河村).
var placePhrase = regexp.MustCompile(`(?:在|到|赴|于)[\p{Han}·]{1,10}?(?:山|湖|江|河|馆|院|宫|堂|楼|厅|园|场|大学|学校|中学|小学|基地|中心|公司|厂|屯|寨|路|街|广场)`)
