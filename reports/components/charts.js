// Diagraminställningar (ECharts) för sidorna. De gör bara om färdiga rader ur den publicerade
// ögonblicksbilden till diagram: varje tal, intervall och gräns är räknat i lagret.

// En skärmläsare läser inte ett diagram punkt för punkt: ECharts skriver beskrivningen som
// diagrammets aria-label (alternativet aria), på svenska, och talen står i tabellen intill.
const SAME_NUMBERS = 'Samma siffror finns i tabellen på sidan.';
export function textAlternative(description) {
	return { aria: { enabled: true, label: { enabled: true, description: `${description} ${SAME_NUMBERS}` } } };
}

const percent = (value) => `${Math.round(value * 100)} %`;
const INK = '#1f2937';
const COLORS = { 'över riket': '#15803d', 'under riket': '#b91c1c', 'inom gränserna': '#2563eb' };

// Horisontella staplar med 95 %-intervallet som morrhår: en rad per förbund, i radernas ordning.
export function intervalBars(rows) {
	const names = rows.map((row) => row.forbund);
	const whiskers = (params, api) => {
		const category = api.value(2);
		const low = api.coord([api.value(0), category]);
		const high = api.coord([api.value(1), category]);
		const cap = api.size([0, 1])[1] * 0.25;
		const style = { stroke: INK, lineWidth: 1.5 };
		const segment = (x1, y1, x2, y2) => ({ type: 'line', shape: { x1, y1, x2, y2 }, style });
		return {
			type: 'group',
			children: [
				segment(low[0], low[1], high[0], high[1]),
				segment(low[0], low[1] - cap, low[0], low[1] + cap),
				segment(high[0], high[1] - cap, high[0], high[1] + cap)
			]
		};
	};
	return {
		...textAlternative(
			`Liggande staplar: andel positiva för ${rows.length} förbund det senaste mätåret, var och en med sitt 95 %-intervall.`
		),
		title: { text: 'Förbunden det senaste mätåret: andel positiva med 95 %-intervall', textStyle: { fontSize: 13 } },
		grid: { left: 8, right: 24, top: 40, bottom: 24, containLabel: true },
		tooltip: {
			trigger: 'item',
			formatter: (item) => {
				const row = rows[item.dataIndex];
				return `${row.forbund}: ${row.andel_text} (95 %-intervall ${row.intervall_text}), ${row.antal_text} svar`;
			}
		},
		xAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: percent } },
		yAxis: { type: 'category', data: names, inverse: true, axisLabel: { fontSize: 11 } },
		series: [
			{
				name: 'Andel positiva',
				type: 'bar',
				data: rows.map((row) => row.share_positive),
				itemStyle: { color: '#93c5fd' },
				barMaxWidth: 16
			},
			{
				name: '95 %-intervall',
				type: 'custom',
				renderItem: whiskers,
				data: rows.map((row, index) => [row.share_ci_low, row.share_ci_high, index]),
				encode: { x: [0, 1], y: 2 },
				z: 3
			}
		]
	};
}

// Trattdiagram: förbundens andel mot antalet svar, rikets andel och kontrollgränserna.
export function funnelChart(points, limits) {
	const line = (key, name, type) => ({
		name,
		type: 'line',
		showSymbol: false,
		silent: true,
		data: limits.map((row) => [row.n_answers, row[key]]),
		lineStyle: { type, width: type === 'solid' ? 2 : 1.2, color: INK },
		itemStyle: { color: INK }
	});
	const groups = ['inom gränserna', 'över riket', 'under riket'];
	const outside = points.filter((row) => row.funnel_flag_95).length;
	return {
		...textAlternative(
			`Trattdiagram: andel positiva mot antal svar för ${points.length} förbund, med rikets andel och gränserna för 95 och 99,8 %. ${outside} förbund ligger utanför 95 %-gränserna.`
		),
		title: { text: 'Trattdiagram det senaste mätåret: förbunden mot riket', textStyle: { fontSize: 13 } },
		legend: { bottom: 0, data: ['Riket', '95 %', '99,8 %', ...groups] },
		grid: { left: 8, right: 24, top: 40, bottom: 56, containLabel: true },
		tooltip: {
			trigger: 'item',
			formatter: (item) =>
				item.seriesType === 'scatter'
					? `${item.data[2]}: ${item.data[3]}, ${item.data[0]} svar (${item.seriesName})`
					: ''
		},
		xAxis: { type: 'value', name: 'Antal svar', nameLocation: 'middle', nameGap: 28, min: 0 },
		yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: percent } },
		series: [
			line('national_share', 'Riket', 'solid'),
			line('limit_95_low', '95 %', 'dashed'),
			{ ...line('limit_95_high', '95 %', 'dashed') },
			line('limit_998_low', '99,8 %', 'dotted'),
			{ ...line('limit_998_high', '99,8 %', 'dotted') },
			...groups.map((group) => ({
				name: group,
				type: 'scatter',
				symbolSize: 9,
				itemStyle: { color: COLORS[group] },
				data: points
					.filter((row) => row.lage === group)
					.map((row) => [row.n_answers, row.share_positive, row.forbund_name, row.andel_text])
			}))
		]
	};
}
