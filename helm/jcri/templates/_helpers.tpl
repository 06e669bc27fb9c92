{{- define "jcri.labels" -}}
app.kubernetes.io/name: jcri
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "jcri.selector" -}}
app.kubernetes.io/name: jcri
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* One TOML value: strings quoted, lists as arrays, the rest as is. */}}
{{- define "jcri.tomlValue" -}}
{{- if kindIs "string" . -}}{{ . | quote }}
{{- else if kindIs "slice" . -}}[{{ range $i, $v := . }}{{ if $i }}, {{ end }}{{ include "jcri.tomlValue" $v }}{{ end }}]
{{- else -}}{{ . }}
{{- end -}}
{{- end -}}

{{/* jcri.toml from .Values.config: scalars first, then one table per map, nested tables by dotted name. */}}
{{- define "jcri.toml" -}}
{{- $cfg := .Values.config -}}
{{- range $k, $v := $cfg }}{{ if not (kindIs "map" $v) }}
{{ $k }} = {{ include "jcri.tomlValue" $v }}
{{- end }}{{ end }}
{{- range $table, $body := $cfg }}{{ if kindIs "map" $body }}

[{{ $table }}]
{{- range $k, $v := $body }}{{ if not (kindIs "map" $v) }}
{{ $k }} = {{ include "jcri.tomlValue" $v }}
{{- end }}{{ end }}
{{- range $k, $v := $body }}{{ if kindIs "map" $v }}{{ range $name, $inner := $v }}

[{{ $table }}.{{ $k }}.{{ $name | quote }}]
{{- range $ik, $iv := $inner }}
{{ $ik }} = {{ include "jcri.tomlValue" $iv }}
{{- end }}
{{- end }}{{ end }}{{ end }}
{{- end }}{{ end }}
{{- end -}}
