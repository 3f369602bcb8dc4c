package llm

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"kbot/knowledge"
)

// testResults are three passages of invented articles, numbered [1]..[3].
func testResults() []knowledge.Result {
	mk := func(id, title, author, post, section, heading, text string) knowledge.Result {
		return knowledge.Result{
			Chunk: knowledge.Chunk{ID: id + "-0", ArticleID: id, Heading: heading, Text: text},
			Article: knowledge.Article{
				ID: id, Title: title, Author: author, AuthorPost: post, Section: section,
				Body: text,
			},
		}
	}
	return []knowledge.Result{
		mk("a1", "网格化管理让服务更贴心", "张明", "某镇党委书记", "基层治理", "一、织密网格",
			"我们把全镇划分为42个网格，每个网格配备一名专职网格员。\n网格员每周入户走访，及时收集群众诉求。"),
		mk("a2", "党建引领乡村振兴", "李华", "某县委组织部副部长", "乡村振兴", "",
			"村党组织牵头成立合作社，带动农户发展特色种植，去年户均增收三千元。"),
		mk("a3", "让党员在一线发挥作用", "", "", "", "",
			"开展“党员先锋岗”创建活动，设立岗位120个，党员亮身份、作表率。"),
	}
}

// metricSum returns the sum of the counter or gauge values (or histogram
// sample counts) c holds, over all its label values.
func metricSum(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 64)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	sum := 0.0
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatal(err)
		}
		switch {
		case pb.Counter != nil:
			sum += pb.Counter.GetValue()
		case pb.Gauge != nil:
			sum += pb.Gauge.GetValue()
		case pb.Histogram != nil:
			sum += float64(pb.Histogram.GetSampleCount())
		}
	}
	return sum
}
