package pdf_test

import (
	"fmt"
	"os"
	"strings"

	"kbot/knowledge/pdf"
)

func ExampleExtract() {
	data, err := os.ReadFile("testdata/layout.pdf")
	if err != nil {
		fmt.Println(err)
		return
	}
	text, err := pdf.Extract(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	lines := strings.Split(text, "\n")
	fmt.Println(lines[0])
	fmt.Println(lines[1])
	// Output:
	// 社区议事厅让群众说了算
	// 龙潭区委组织部 李明远
}
