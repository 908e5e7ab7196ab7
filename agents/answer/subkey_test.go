package answer

import "testing"

func TestSubkeyConcepts(t *testing.T) {
	name := func(ci []int) map[string]bool {
		m := map[string]bool{}
		for _, c := range ci {
			m[concepts[c].name] = true
		}
		return m
	}
	got := name(subkeyConcepts("diameter: millimeters 19 material: metal thickness"))
	if !got["dimensions"] || !got["material"] {
		t.Errorf("diameter/material value: concepts %v, want dimensions and material", got)
	}
	if got := subkeyConcepts("no parts here"); len(got) != 0 {
		t.Errorf("plain value: %v", got)
	}
	if got := subkeyConcepts(": 19"); len(got) != 0 {
		t.Errorf("empty key: %v", got)
	}
	// The part named in the value ranks a field whose own name says nothing about the question.
	fields := []Field{
		{Name: "watch_movement_type", Value: "quartz"},
		{Name: "case", Value: "diameter: millimeters 19 material: metal"},
	}
	if r := RankFields("how big is the diameter of it?", fields); fields[r[0].Index].Name != "case" {
		t.Errorf("top = %s, want case", fields[r[0].Index].Name)
	}
}
