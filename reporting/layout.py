"""The layout of the quarterly return workbook, shared by the template writer and the reader.

The reader finds everything by its Chinese label, not by a fixed position, so a workbook that
Excel or WPS re-saved (or where someone inserted a row above the table) still reads.
"""

SHEET = "季度统计"
TITLE = "专利转化运用季度统计表"
REGION_LABEL = "地区代码"
REGION_NAME_LABEL = "地区"
PERIOD_LABEL = "报告期"
DUE_LABEL = "报送截止"

COL_NUMBER = "序号"
COL_CODE = "指标代码"
COL_NAME = "指标名称"
COL_UNIT = "计量单位"
COL_PREVIOUS = "上期数值（参考）"
COL_VALUE = "本期数值"
COL_COMMENT = "备注"
HEADERS = [COL_NUMBER, COL_CODE, COL_NAME, COL_UNIT, COL_PREVIOUS, COL_VALUE, COL_COMMENT]
WIDTHS = [6, 26, 36, 10, 16, 16, 30]

# Where the reader looks for the header row and the labels above it.
HEADER_SEARCH_ROWS = 15
