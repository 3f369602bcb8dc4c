package knowledge_test

import (
	"fmt"
	"os"
	"strings"

	"kbot/knowledge"
)

func ExampleExtractPDF() {
	data, err := os.ReadFile("testdata/pdf/layout.pdf")
	if err != nil {
		fmt.Println(err)
		return
	}
	text, err := knowledge.ExtractPDF(data)
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
