{{/* The chart's name, or nameOverride. */}}
{{- define "jcri.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Names of the release's objects: fullnameOverride, else the release name (with the chart's name unless it has it). */}}
{{- define "jcri.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "jcri.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "jcri.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "jcri.selector" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "jcri.selector" -}}
app.kubernetes.io/name: {{ include "jcri.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The installer image; its tag defaults to the chart's appVersion. */}}
{{- define "jcri.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* A TOML key: bare when it may be, else quoted (a registry host such as "docker.io"). */}}
{{- define "jcri.tomlKey" -}}
{{- if regexMatch "^[A-Za-z0-9_-]+$" . -}}{{ . }}{{- else -}}{{ . | quote }}{{- end -}}
{{- end -}}

{{/*
One TOML value: strings quoted, lists as arrays, whole numbers as integers (a values file's numbers arrive as
floats, and 68719476736 would print as 6.8719476736e+10, which jcri refuses), the rest as they are.
*/}}
{{- define "jcri.tomlValue" -}}
{{- if kindIs "string" . -}}{{ . | quote }}
{{- else if kindIs "slice" . -}}[{{ range $i, $v := . }}{{ if $i }}, {{ end }}{{ include "jcri.tomlValue" $v }}{{ end }}]
{{- else if and (kindIs "float64" .) (eq (float64 (int64 .)) .) -}}{{ int64 . }}
{{- else -}}{{ . }}
{{- end -}}
{{- end -}}

{{/* One TOML table: its plain keys, then each nested map as a table of its own, at any depth. */}}
{{- define "jcri.tomlTable" -}}
{{- $path := .path -}}
{{- if $path }}

[{{ $path }}]
{{- end }}
{{- range $k, $v := .body }}{{ if not (kindIs "map" $v) }}
{{ include "jcri.tomlKey" $k }} = {{ include "jcri.tomlValue" $v }}
{{- end }}{{ end }}
{{- range $k, $v := .body }}{{ if kindIs "map" $v }}
{{- $key := include "jcri.tomlKey" $k }}
{{- include "jcri.tomlTable" (dict "path" (ternary $key (printf "%s.%s" $path $key) (eq $path "")) "body" $v) }}
{{- end }}{{ end }}
{{- end -}}

{{/* jcri.toml from .Values.config; with metrics.enabled, jcri serves them on metrics.port unless told otherwise. */}}
{{- define "jcri.toml" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- if .Values.metrics.enabled -}}
{{- $metrics := default dict $cfg.metrics -}}
{{- if not $metrics.address -}}
{{- $_ := set $metrics "address" (printf "0.0.0.0:%d" (int .Values.metrics.port)) -}}
{{- else if not (hasSuffix (printf ":%d" (int .Values.metrics.port)) $metrics.address) -}}
{{- fail (printf "config.metrics.address %q must end in :%d, the port of the metrics Service (metrics.port)" $metrics.address (int .Values.metrics.port)) -}}
{{- end -}}
{{- $_ := set $cfg "metrics" $metrics -}}
{{- end -}}
{{- include "jcri.tomlTable" (dict "path" "" "body" $cfg) -}}
{{- end -}}
