{{- define "sub.helper" -}}sub-helper {{ .Chart.Name }} {{ .Template.Name }}{{- end -}}
{{- define "shared" -}}sub-shared{{- end -}}
