{{- define "steward.labels" -}}
app.kubernetes.io/name: steward
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "steward.fullname" -}}
{{ .Release.Name }}-steward
{{- end -}}
