"""Demo patent pool: about 3,000 patents of six Shaanxi universities and institutes, the demo
enterprise's technology needs with their suggestions and some feedback, and conversion events.

Called by `manage.py load_demo` (demo/management/commands/load_demo.py) once the demo
organisations and users exist, before the demo statistics (whose progress computation then
counts the pool's inventory coverage and conversion amounts). The demo university and the demo
institute of load_demo own part of the pool; four more owners are created here the way load_demo
creates organisations (西北农林科技大学 in Yangling, the others in Xi'an), named with "（演示）"
like every demo organisation.

Everything is built from one seeded random generator, so every run plans the same rows: titles
and abstracts combine field vocabularies (materials, ICT, equipment, environment, medicine,
agriculture) with IPC classes and an industry sub-field of their field; application numbers carry
the check character of portal.identifiers. Rows are written in bulk, not through the services
(3,000 audited imports would take the e2e fixture too long): one audit entry records the load.
The needs are matched once by the real matching service (patents.services.needs_match).

The plan is drawn on a calendar of its own that ends on AS_OF (2025-12-31): filings 2010–2024
and legal status as of AS_OF are the pool's history and stay as drawn. What the pool's owners did
with it follows the day of the load (`today`): screenings, conversion events and their terms move
by the days from AS_OF to that day, so the latest events fall in the last weeks before it, the
screenings in the two years before it, and the open licences run to two years after it. The plan
itself never depends on the day: the same patents get the same events whenever it is loaded.

Idempotent: a patent is found by its number, a need by its enterprise and title, a conversion
event by its patent and kind (each patent has at most one planned event of a kind); what exists
is left as it is. Only new needs are matched.
"""

import functools
import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from patents import events
from patents.models import Conversion, Feedback, Match, Patent, TechNeed
from portal.identifiers import patent_check_character
from portal.models import Organisation, Region, Role, User
from portal.services import audit_record, emails_suppressed

SEED = "demo-patents"
AS_OF = date(2025, 12, 31)  # legal status and grants as of this day
OPEN_LICENCE_ENDS = date(2027, 12, 31)
WAN = 10_000

K = Patent.Kind
C = Conversion.Kind


@dataclass(frozen=True)
class Subject:
    """A topic of a field: title templates (see `_fill`), IPC classes (main first) and industry
    sub-field; steps, effects and uses for the abstract when the field's own would not fit;
    parts for a utility model's abstract; the product a patent-product filing names."""

    titles: tuple[str, ...]
    ipc: tuple[str, ...]
    industry: str
    uses: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    product: str = ""


@dataclass(frozen=True)
class Field:
    area: str  # "属于{area}技术领域"
    industry: str  # the sub-field of its designs
    nsfc: str  # department digit of NSFC grant numbers
    plan: str  # letter of National Key R&D Programme numbers (2016YF?…)
    province: str  # Shaanxi Key R&D Programme series (2021GY-123)
    modifiers: tuple[str, ...]
    techniques: tuple[str, ...]
    subjects: tuple[Subject, ...]
    steps: tuple[str, ...]
    effects: tuple[str, ...]
    uses: tuple[str, ...]
    devices: tuple[Subject, ...]  # utility models
    designs: tuple[tuple[str, str], ...]  # (product, what it is for)
    companies: tuple[str, ...]  # assignees and licensees not registered in the portal


S = Subject
FIELDS: dict[str, Field] = {
    "materials": Field(
        area="新材料", industry="04", nsfc="5", plan="B", province="GY",
        modifiers=("高强韧", "耐高温", "耐腐蚀", "低成本", "超细晶", "轻质"),
        techniques=("激光熔覆", "冷喷涂", "磁控溅射", "等离子喷涂"),
        subjects=(
            S(("一种{AlCoCrFeNi|CoCrFeNiMn|FeCoNiCrTi|难熔}高熵合金{涂层|薄膜}的{t}制备方法",
               "一种用于{use}的{耐磨|耐蚀|抗高温氧化}高熵合金涂层",
               "一种{m}{AlCoCrFeNi|CoCrFeNiMn|难熔}高熵合金及其制备方法"),
              ("C23C24/10", "C22C30/00"), "04",
              steps=("采用高能球磨制备合金粉末", "通过激光熔覆制备涂层", "进行真空退火处理",
                     "优化主元配比"),
              effects=("涂层与基体呈冶金结合、结合强度高", "耐磨耐蚀性能明显优于传统涂层"),
              uses=("煤矿液压支架", "石油钻采装备", "航空发动机部件"),
              product="高熵合金耐磨涂层轧辊"),
            S(("一种{m}{TC4|TC11|TA15|TC21}钛合金{及其制备方法|的热处理方法|棒材的锻造方法}",
               "一种钛合金{薄壁构件|大型框梁|整体叶盘|薄板}的{精密|近净|超塑|热}成形方法",
               "一种用于{use}的{高强|损伤容限型|低成本}钛合金"), ("C22C14/00", "C22F1/18"), "04",
              steps=("经真空自耗电弧熔炼", "进行多火次锻造", "进行固溶时效处理",
                     "控制β相变点附近的变形量"),
              uses=("航空结构件", "海洋工程装备", "医疗植入器械"), product="耐高温钛合金紧固件"),
            S(("一种{m}镍基{单晶|粉末|变形}高温合金及其{制备|热处理}方法",
               "一种镍基高温合金粉末的{气雾化|等离子旋转电极}制备方法",
               "一种用于{use}的镍基高温合金{构件|叶片|环件}的{热等静压|增材|等温锻造}制备方法"),
              ("C22C19/05", "C22F1/10"), "04",
              steps=("经真空感应熔炼", "采用气雾化制粉", "进行固溶时效处理", "经热等静压致密化"),
              effects=("显著提高了高温抗氧化和抗蠕变性能", "组织均匀、高温强度高"),
              uses=("航空发动机涡轮盘", "燃气轮机叶片")),
            S(("一种{m}{碳化硅纤维|碳纤维}增强碳化硅陶瓷基复合材料的制备方法",
               "一种碳化硅陶瓷基复合材料构件的{连接|修复|精密加工}方法",
               "一种{硼化锆|碳化铪|碳化锆}超高温陶瓷{涂层|复合材料}及其制备方法"),
              ("C04B35/565", "C04B35/80"), "04",
              steps=("采用化学气相渗透制备界面层", "通过前驱体浸渍裂解致密化", "进行高温热处理"),
              uses=("航空发动机热端部件", "空间飞行器热防护结构")),
            S(("一种{高导热|柔性|自支撑|高导电}石墨烯{复合薄膜|纤维|气凝胶}及其制备方法",
               "{石墨烯复合薄膜|石墨烯气凝胶|氧化石墨烯纤维}在{use}中的应用"),
              ("C01B32/184", "C08J5/18"), "04",
              steps=("通过真空抽滤成膜", "采用化学还原", "进行高温石墨化处理"),
              effects=("导热系数提高30%以上", "柔韧性好、可弯折万次以上"),
              uses=("电子器件散热", "柔性电子器件", "电磁屏蔽"), product="高导热石墨烯散热膜"),
            S(("一种{低介电|透明|耐高温|高模量|黑色}聚酰亚胺{薄膜|纤维|泡沫}及其制备方法",
               "一种用于{use}的{低介电|无色透明}聚酰亚胺{薄膜|复合材料}"),
              ("C08G73/10", "C08J5/18"), "04",
              steps=("通过原位聚合制备聚酰胺酸", "经梯度热亚胺化", "引入纳米填料"),
              uses=("柔性显示基板", "5G高频电路")),
            S(("一种{高效|稳定|大面积|柔性|无铅}钙钛矿{薄膜|太阳能电池|发光二极管}的制备方法",
               "一种钙钛矿{太阳能电池|薄膜}的{界面钝化|低温制备|封装|缺陷修复}方法"),
              ("H10K71/12", "H10K30/10"), "04",
              steps=("采用反溶剂法成膜", "引入添加剂钝化缺陷", "进行低温退火"),
              effects=("光电转换效率达到24%以上", "器件稳定性显著提高"),
              uses=("光伏组件", "柔性太阳能电池")),
            S(("一种{单晶|高电压|长循环|低钴}{高镍三元|富锂锰基|磷酸锰铁锂}正极材料及其制备方法",
               "一种{高镍|富锂锰基|钠离子电池层状氧化物}正极材料的{表面包覆|体相掺杂|界面}改性方法",
               "一种{硅碳|硬碳|多孔硅}负极材料及其制备方法"), ("H01M4/525", "H01M10/0525"), "04",
              steps=("采用共沉淀法制备前驱体", "经高温固相烧结", "在表面包覆快离子导体层"),
              effects=("循环稳定性和倍率性能优异", "容量保持率提高15%以上"),
              uses=("新能源汽车动力电池", "储能电站")),
            S(("一种{高强|高塑性|阻燃|耐蚀}{Mg-Gd-Y|Mg-Al-Zn|Mg-Zn-Ca|Mg-Li}镁合金{板材的轧制方法|及其制备方法}",
               "一种可降解镁合金{骨钉|血管支架|缝合线}及其制备方法"),
              ("C22C23/02", "C22F1/06"), "04",
              steps=("进行多道次异步轧制", "添加稀土元素细化晶粒", "进行退火处理"),
              uses=("汽车轻量化部件", "可降解医用植入物")),
            S(("一种{长寿命|低导热|抗烧结|抗CMAS腐蚀}{稀土锆酸盐|氧化钇稳定氧化锆|双陶瓷层}热障涂层及其制备方法",
               "一种{航空发动机叶片|燃气轮机}热障涂层的{t}制备方法"),
              ("C23C4/11", "C23C4/134"), "04",
              steps=("采用大气等离子喷涂", "制备粘结层和陶瓷面层", "进行激光表面重熔"),
              effects=("热循环寿命提高一倍以上", "隔热效果显著"),
              uses=("航空发动机热端部件", "燃气轮机叶片")),
            S(("一种{低成本|高强度|抗菌|高透明}{聚乳酸|PBAT|聚丁二酸丁二醇酯}基可降解{包装薄膜|复合膜}及其制备方法",
               "一种用于{use}的可降解高阻隔{复合膜|包装袋}"),
              ("C08L67/04", "B65D65/46"), "04",
              steps=("以聚乳酸为基体共混改性", "引入纳米阻隔层", "通过双向拉伸成膜"),
              effects=("氧气透过率降低50%以上、可完全生物降解", "阻湿阻氧性能接近铝塑复合膜"),
              uses=("食品包装", "茶叶防潮包装", "生鲜冷链包装"), product="可降解高阻隔食品包装膜"),
            S(("一种{m}{铜基|铁基|铜铁基}粉末冶金摩擦材料及其制备方法",
               "一种用于{use}的粉末冶金闸片{及其制备方法|摩擦块}"), ("C22C9/00", "B22F3/16"), "04",
              steps=("采用粉末冶金压制", "经加压烧结", "优化组元配比"),
              effects=("摩擦系数稳定、磨损率低",), uses=("高速列车制动系统", "风电机组偏航制动")),
        ),
        steps=("优化成分配比", "控制工艺参数"),
        effects=("所得材料组织均匀、综合力学性能显著提高", "工艺简单、成本低，易于规模化生产",
                 "性能稳定、批次一致性好"),
        uses=("航空航天装备", "海洋工程装备", "轨道交通装备"),
        devices=(
            S(("一种{u}粉末冶金{压制|温压}模具",), ("B22F3/03", "B30B15/02"), "04",
              parts=("上模冲", "阴模", "脱模顶杆")),
            S(("一种{u}{热喷涂|激光熔覆}工件夹具",), ("C23C4/01", "B05B13/02"), "04",
              parts=("旋转底座", "夹持臂", "遮蔽罩")),
            S(("一种{u}{薄膜|浆料}涂布装置",), ("B05C1/08", "B05C11/10"), "04",
              parts=("放卷辊", "涂布刮刀", "烘干箱")),
            S(("一种{u}{真空|气氛}烧结炉{料舟|炉门密封结构}",), ("F27B5/04", "F27D1/18"), "04",
              parts=("炉体", "加热元件", "密封圈")),
        ),
        designs=(("复合材料板材", "建筑装饰"), ("涂层刀具", "金属切削加工"),
                 ("散热膜", "电子设备散热")),
        companies=("西安示范稀有金属材料有限公司（演示）", "宝鸡示范钛业股份有限公司（演示）"),
    ),
    "ict": Field(
        area="信息与通信", industry="02", nsfc="6", plan="B", province="GY",
        modifiers=("轻量化", "鲁棒", "自适应", "多尺度", "弱监督", "半监督", "实时"),
        techniques=("深度学习", "卷积神经网络", "图神经网络", "联邦学习", "强化学习",
                    "注意力机制", "Transformer", "知识蒸馏", "边缘计算", "多模态融合"),
        subjects=(
            S(("基于{t}的{m}遥感图像{目标检测|场景分类|语义分割}方法",
               "一种{m}遥感图像{舰船|飞机|建筑物}检测方法及系统"),
              ("G06V20/13", "G06N3/0464"), "02", uses=("遥感监测", "海事监管")),
            S(("基于{t}的{m}SAR图像{变化检测|目标识别}方法",
               "一种{极化|干涉}SAR图像相干斑抑制方法"),
              ("G06V20/13", "G06T5/70"), "02", uses=("遥感监测", "灾害评估")),
            S(("基于{t}的{m}网络入侵检测方法",
               "一种面向{工业互联网|车联网|电力物联网|云原生环境}的{入侵检测|异常流量识别}方法及系统"),
              ("H04L9/40", "G06N3/08"), "02", uses=("工业互联网安全", "网络安全态势感知"),
              product="工业互联网安全网关"),
            S(("基于{t}的{无人机集群|车联网|低轨卫星}通信资源分配方法",
               "一种{m}{毫米波|太赫兹|大规模MIMO}通信波束管理方法"),
              ("H04W72/04", "H04B7/06"), "02", uses=("无人机集群通信", "5G移动通信")),
            S(("基于{t}的{旋转机械|齿轮箱|航空发动机}故障诊断方法",
               "一种小样本条件下的{m}{轴承|齿轮}故障诊断方法"),
              ("G06F18/241", "G01M13/045"), "02", uses=("工业设备健康管理", "风力发电机组运维")),
            S(("基于{t}的{m}交通流量预测方法", "一种{城市路网|高速公路}短时交通流预测方法及系统"),
              ("G08G1/01", "G06N3/08"), "02", uses=("智慧交通",)),
            S(("基于{t}的{m}医学图像分割方法", "一种基于{t}的{肺结节|视网膜病变|乳腺肿瘤}检测方法"),
              ("G06T7/11", "G06N3/08"), "02", uses=("智慧医疗", "医学影像辅助诊断")),
            S(("基于{t}的雷达{高分辨距离像|微多普勒}目标识别方法",
               "一种{m}{多基地|分布式|相控阵}雷达目标跟踪方法"),
              ("G01S7/41", "G01S13/72"), "02", uses=("雷达目标识别", "空中交通管制"),
              product="毫米波雷达模块"),
            S(("基于{t}的{m}行人重识别方法", "一种{遮挡|跨模态|低照度}场景下的行人重识别方法"),
              ("G06V20/52", "G06V10/82"), "02", uses=("智能安防",), product="智能视觉检测系统"),
            S(("基于{t}的隐私保护{数据共享|模型训练}方法",
               "一种可验证的云存储数据{完整性审计|密文检索}方法"),
              ("H04L9/40", "G06F21/62"), "02", uses=("云计算数据安全", "政务数据共享")),
            S(("基于区块链的{农产品|药品|工业品}质量溯源方法及系统",
               "一种基于区块链的{数据可信存证|跨链交易}方法"),
              ("G06Q50/02", "H04L9/00"), "02", uses=("农产品质量溯源", "供应链管理")),
            S(("一种{增强型|高线性度|高功率|凹槽栅}氮化镓高电子迁移率晶体管及其制备方法",
               "一种氮化镓基HEMT器件的{欧姆接触|栅介质|钝化层}制备方法"),
              ("H01L29/778", "H01L21/335"), "01",
              steps=("在外延层上淀积钝化层", "优化栅极场板结构", "采用低温退火工艺"),
              effects=("提高了器件的击穿电压和可靠性", "降低了接触电阻和导通损耗"),
              uses=("5G基站射频前端", "雷达功率放大器")),
            S(("一种{高可靠性|低导通电阻|沟槽栅|超结}碳化硅MOSFET器件及其制备方法",),
              ("H01L29/78", "H01L21/04"), "01",
              steps=("采用沟槽栅结构", "优化漂移区掺杂分布"),
              effects=("降低了导通电阻", "提高了短路耐受能力"),
              uses=("新能源汽车电驱系统", "光伏逆变器")),
            S(("一种{小型化|高增益|低剖面|宽角扫描}{宽带圆极化|双频|多波束}天线",
               "一种基于超表面的{宽带|双频|高增益}低剖面天线"),
              ("H01Q1/38", "H01Q15/00"), "01",
              steps=("在介质基板上设置辐射贴片", "引入超表面结构"),
              effects=("带宽宽、增益高、剖面低",), uses=("卫星通信终端", "5G基站")),
            S(("一种{低功耗|高精度|高速}{逐次逼近型|流水线型|Sigma-Delta}模数转换器",),
              ("H03M1/46", "H03M1/12"), "01",
              steps=("采用分段电容阵列", "引入数字校准电路"),
              effects=("功耗低、转换精度高",), uses=("物联网传感节点", "便携式医疗设备")),
        ),
        steps=("构建多尺度特征提取网络", "引入注意力机制对特征加权融合",
               "利用迁移学习减少标注样本需求", "设计轻量化网络结构", "采用对抗训练提升鲁棒性",
               "构建时空图模型"),
        effects=("识别准确率提高5%以上", "计算量降低约40%，满足实时处理要求",
                 "在小样本条件下仍保持较高精度", "提高了系统的安全性和可靠性"),
        uses=("智能安防", "工业互联网"),
        devices=(
            S(("一种{u}{物联网|工业现场}数据采集网关",), ("H04L67/12", "H04W4/38"), "01",
              parts=("主控板", "无线通信模块", "电源管理模块")),
            S(("一种{u}{宽带|双频|圆极化}微带天线",), ("H01Q1/38", "H01Q5/30"), "01",
              parts=("介质基板", "辐射贴片", "馈电探针")),
            S(("一种{u}{变电站|管廊|光伏电站}智能巡检终端",), ("G07C1/20", "H04N7/18"), "01",
              parts=("摄像组件", "红外测温模块", "定位模块")),
            S(("一种{u}射频前端模块{散热结构|屏蔽盒}",), ("H05K7/20", "H05K9/00"), "01",
              parts=("壳体", "导热垫", "散热翅片")),
        ),
        designs=(("智能巡检终端", "变电站巡检"), ("通信基站天线罩", "通信基站"),
                 ("数据采集网关", "工业现场数据采集")),
        companies=("西安示范智能科技有限公司（演示）", "陕西示范数据服务有限公司（演示）"),
    ),
    "equipment": Field(
        area="机械制造", industry="03", nsfc="5", plan="B", province="GY",
        modifiers=("高精度", "高效", "智能", "自适应"),
        techniques=("数字孪生", "机器视觉", "模型预测控制", "深度强化学习", "有限元仿真"),
        subjects=(
            S(("一种{航空发动机|燃气轮机}涡轮叶片{气膜孔|榫头|叶尖}的{高效|高精度|电火花|超快激光}加工方法",
               "一种涡轮叶片精密铸造{陶瓷型芯|型壳}的制备方法",
               "基于{t}的{涡轮叶片|压气机叶片}{损伤检测|寿命预测}方法"),
              ("F01D5/18", "B23P15/02"), "03", uses=("航空发动机制造",)),
            S(("一种{铝合金|镁合金|铝钢异种金属|铝铜异种金属}{搅拌摩擦焊|搅拌摩擦点焊}方法",
               "一种{m}{静轴肩|双轴肩|可回抽}搅拌摩擦焊搅拌头及焊接方法",
               "一种{钛合金整体叶盘|高温合金叶盘}{线性摩擦焊|惯性摩擦焊}方法"),
              ("B23K20/12", "B23K20/227"), "03",
              steps=("优化搅拌头转速和焊接速度", "设计专用夹持工装", "对焊缝进行在线监测"),
              effects=("焊缝成形良好、接头强度达到母材的90%以上",),
              uses=("轨道交通车体制造", "运载火箭贮箱制造", "航空发动机制造"),
              product="搅拌摩擦焊设备"),
            S(("一种{高精度|低回差|轻量化|高刚度}{行星齿轮|谐波|RV}减速器",
               "一种{RV|谐波}减速器{回差检测|传动误差补偿|寿命预测}方法"),
              ("F16H1/28", "F16H57/08"), "03",
              steps=("优化齿形修形参数", "采用预紧消隙结构"),
              effects=("传动精度高、回差小", "有效降低了振动和噪声"),
              uses=("工业机器人关节", "风力发电装备"), product="精密行星减速器"),
            S(("一种数控机床{主轴|进给轴|转台}{热误差|几何误差}{m}补偿方法",
               "基于{t}的数控机床{刀具磨损|颤振|加工质量}预测方法"),
              ("B23Q17/09", "G05B19/404"), "03", uses=("高端数控机床",), product="数控机床电主轴"),
            S(("一种{工业机器人|协作机器人|移动机械臂}{m}{轨迹规划|避障|力位混合控制}方法",
               "基于{t}的机器人{柔顺装配|抓取|手眼标定}方法"),
              ("B25J9/16", "G05B19/4155"), "03", uses=("汽车焊装生产线", "精密装配")),
            S(("一种{m}{激光|电弧|电子束}增材制造{钛合金|高温合金|铝合金}构件的方法",
               "一种{激光|电弧}增材制造过程{熔池监测|缺陷在线检测|变形控制}方法"),
              ("B33Y10/00", "B22F10/28"), "03", uses=("航空航天装备制造",)),
            S(("一种{大型复杂曲面构件|航空发动机叶片|风电叶片}的{m}{测量|检测}方法",
               "一种{叶片型面|复杂曲面}机器人{磨抛|喷涂}方法"),
              ("G01B11/24", "B24B19/14"), "03", uses=("航空发动机制造", "大型风电叶片制造")),
            S(("一种{m}{无人机|固定翼无人机|多旋翼无人机}{自主着陆|编队控制|避障}方法",
               "一种{折叠式|模块化}无人机{机臂锁紧机构|起落架}"),
              ("B64C39/02", "G05D1/10"), "03",
              steps=("融合视觉与惯导信息", "设计自适应控制算法"),
              effects=("控制精度达到厘米级", "结构紧凑、展开可靠"),
              uses=("电力巡检", "应急救援")),
            S(("基于{t}的{风电机组主轴承|齿轮箱轴承|高速列车轴箱轴承}故障预警方法",),
              ("F16C19/52", "G01M13/04"), "03", uses=("风力发电装备", "轨道交通装备")),
        ),
        steps=("建立热-力耦合有限元模型", "采用多传感器融合采集加工状态信号", "优化工艺参数组合",
               "设计自适应控制算法实时补偿误差", "通过专用工装实现快速定位装夹",
               "进行五轴联动加工"),
        effects=("加工精度提高约35%", "设备运行可靠、维护方便", "生产效率提高一倍以上",
                 "故障预警准确率达到95%以上"),
        uses=("高端数控机床", "航空航天装备制造"),
        devices=(
            S(("一种{u}{机器人|机械臂}末端执行器",), ("B25J15/00", "B25J15/06"), "03",
              parts=("连接法兰", "夹爪", "力传感器")),
            S(("一种{u}{薄壁件|管件|框梁}焊接工装",), ("B23K37/04", "B23K37/053"), "03",
              parts=("底板", "定位销", "压紧机构")),
            S(("一种{u}{行星齿轮|摆线针轮}减速器",), ("F16H1/28", "F16H57/02"), "03",
              parts=("太阳轮", "行星架", "内齿圈")),
            S(("一种{u}{电主轴|滚珠丝杠}冷却装置",), ("B23Q11/12", "B23Q11/14"), "03",
              parts=("冷却套", "循环泵", "温度传感器")),
        ),
        designs=(("减速器", "工业机器人关节"), ("工业机器人", "自动化生产线"),
                 ("无人机", "电力巡检")),
        companies=("陕西示范精密传动有限公司（演示）", "西安示范航空部件制造有限公司（演示）"),
    ),
    "environment": Field(
        area="环境保护", industry="06", nsfc="5", plan="C", province="SF",
        modifiers=("高效", "低能耗", "协同", "深度", "低成本"),
        techniques=("电催化氧化", "膜生物反应器", "臭氧催化氧化", "厌氧氨氧化", "光催化"),
        subjects=(
            S(("一种{煤化工|制药|印染}高盐有机废水的{m}处理方法",
               "一种基于{t}的高盐废水{处理系统|零排放工艺}", "一种高盐废水{分盐结晶|蒸发浓缩}方法"),
              ("C02F9/00", "C02F1/72"), "06",
              uses=("煤化工废水处理", "工业园区污水处理"), product="高盐废水蒸发结晶成套装置"),
            S(("一种{焦化|兰炭|煤气化}废水{m}深度处理工艺",
               "一种{兰炭|焦化}废水{预处理|酚氨回收|脱氮}方法"),
              ("C02F9/00", "C02F101/34"), "06", uses=("煤化工废水处理", "焦化企业废水治理")),
            S(("一种{食品|果蔬|魔芋|茶叶}加工废水的{厌氧-好氧组合|生物强化}处理方法",
               "一种{魔芋|淀粉|果汁}加工废水{m}处理与回用方法"),
              ("C02F3/30", "C02F9/00"), "06",
              steps=("采用升流式厌氧污泥床去除有机物", "结合好氧生物处理",
                     "通过膜过滤深度处理回用"),
              uses=("食品加工企业废水处理", "农产品加工园区")),
            S(("一种用于{挥发性有机物|甲苯|甲醛}催化{燃烧|氧化}的{m}催化剂及其制备方法",),
              ("B01J23/889", "B01D53/86"), "06",
              steps=("以共沉淀法制备复合氧化物", "负载贵金属活性组分"),
              effects=("起燃温度低、催化活性稳定",), uses=("工业有机废气治理",)),
            S(("一种{m}{低温|宽温度窗口|抗硫}SCR脱硝催化剂及其制备方法",
               "一种{烧结|焦炉|燃煤锅炉}烟气脱硫脱硝一体化方法"),
              ("B01D53/86", "B01J29/76"), "06",
              steps=("以二氧化钛为载体负载锰铈复合氧化物", "优化焙烧温度"),
              effects=("低温脱硝效率达90%以上", "抗硫抗水性能良好"), uses=("工业烟气治理",),
              product="低温SCR脱硝催化剂"),
            S(("一种{m}{镉|铅|砷|铬}污染土壤钝化修复方法",
               "一种{镉|铅镉复合}污染农田土壤钝化剂及其制备方法"),
              ("B09C1/08", "C09K17/40"), "06",
              steps=("施加复合钝化剂", "配合有机肥改良土壤"),
              effects=("重金属有效态含量降低60%以上", "作物镉含量显著降低"),
              uses=("农田土壤修复", "矿区土壤修复")),
            S(("一种{市政|造纸|印染}污泥{m}资源化利用方法", "一种{污泥|餐厨垃圾}好氧堆肥方法"),
              ("C02F11/04", "C05F17/50"), "06",
              steps=("添加调理剂进行好氧发酵", "控制堆体温度和含水率"),
              effects=("实现了污泥的减量化和资源化利用",), uses=("市政污泥处置",)),
            S(("一种利用{煤矸石|粉煤灰|赤泥}制备{高强|轻质}{陶粒|免烧砖}的方法",
               "一种{工业固废|电石渣}基胶凝材料及其制备方法"),
              ("C04B18/12", "B09B3/00"), "06",
              steps=("经破碎、配料和高温烧胀", "掺入工业固废激发剂"),
              effects=("产品强度高、吸水率低", "实现了固废的大宗利用"),
              uses=("建筑材料", "固废综合利用")),
            S(("一种{河湖|城市景观}水体富营养化{m}生态修复方法",
               "一种{黄河|渭河}流域{支流|河道}水体{生态修复|面源污染控制}方法"),
              ("C02F3/32", "C02F101/16"), "06",
              steps=("构建沉水植物群落", "投加微生物菌剂"),
              effects=("水体透明度和溶解氧明显提高",), uses=("河湖生态治理",)),
        ),
        steps=("采用电催化氧化降解有机物", "结合膜分离实现盐分回收", "投加复合絮凝剂强化沉淀",
               "利用微生物菌剂强化降解"),
        effects=("COD去除率达95%以上", "运行成本降低约30%", "出水稳定达到一级排放标准"),
        uses=("工业园区污水处理",),
        devices=(
            S(("一种{农村生活污水|服务区污水|小城镇污水}一体化处理装置",),
              ("C02F9/00", "C02F3/30"), "06", parts=("调节池", "生化反应区", "沉淀区")),
            S(("一种{u}脉冲袋式除尘器",), ("B01D46/02", "B01D46/71"), "06",
              parts=("滤袋", "脉冲阀", "灰斗")),
            S(("一种{u}{污泥|沼渣}干化装置",), ("C02F11/13", "F26B17/20"), "06",
              parts=("进料螺旋", "干化腔", "尾气冷凝器")),
            S(("一种{u}有机废气{吸附|吸附浓缩}装置",), ("B01D53/04", "B01D53/44"), "06",
              parts=("活性炭吸附层", "脱附风机", "催化燃烧室")),
        ),
        designs=(("净水器", "家用饮用水净化"), ("污水处理设备", "农村生活污水处理")),
        companies=("陕西示范环保工程有限公司（演示）",),
    ),
    "medicine": Field(
        area="生物医药", industry="05", nsfc="8", plan="C", province="SF",
        modifiers=("新型", "高选择性", "低毒"),
        techniques=("抗肿瘤", "抗炎", "降血糖", "抗抑郁", "抗骨质疏松", "抗病毒"),
        subjects=(
            S(("一种{m}{喹唑啉|吲哚|嘧啶|香豆素}类化合物及其在制备{t}药物中的应用",
               "一种{喹唑啉|苯并咪唑|吡唑}衍生物的{合成|不对称合成}方法"),
              ("C07D239/94", "A61K31/517", "A61P35/00"), "05",
              steps=("以天然产物为先导结构进行结构修饰", "通过体外细胞实验筛选活性化合物"),
              effects=("对肿瘤细胞增殖具有显著抑制作用",), uses=("抗肿瘤药物研发",)),
            S(("一种靶向{PD-L1|EGFR|KRAS|CDK4/6}的小分子抑制剂及其制备方法",
               "一种{m}{激酶|蛋白降解靶向嵌合体}抑制剂及其应用"),
              ("C07D401/14", "A61K31/506", "A61P35/00"), "05",
              steps=("基于计算机辅助药物设计", "通过体内药效学实验验证"),
              effects=("活性高、选择性好",), uses=("肿瘤靶向治疗",)),
            S(("一种治疗{慢性胃炎|类风湿关节炎|失眠|糖尿病肾病}的中药组合物及其制备方法",
               "一种具有{t}作用的{中药组合物|中药配方颗粒}"), ("A61K36/8969", "A61P1/04"), "05",
              steps=("按君臣佐使配伍", "采用水提醇沉工艺制备"),
              effects=("疗效确切、毒副作用小",), uses=("慢性病的辅助治疗",)),
            S(("{杜仲叶|绞股蓝|丹参|黄芪}提取物在制备{t}药物中的应用",
               "一种{杜仲叶|绞股蓝|丹参}有效成分的提取纯化方法"),
              ("A61K36/46", "A61P3/10"), "05",
              steps=("采用乙醇回流提取和大孔树脂纯化", "通过动物实验验证药效"),
              effects=("有效成分得率提高约40%",), uses=("中药资源开发", "保健食品开发")),
            S(("一种{靶向|缓释|pH响应型|光热}纳米载药{系统|胶束}及其制备方法",
               "一种{靶向|温敏}脂质体及其在制备{t}药物中的应用"), ("A61K9/51", "A61K47/69"), "05",
              steps=("采用乳化-溶剂挥发法制备", "在表面修饰靶向配体"),
              effects=("药物缓释时间可达72小时以上", "提高了药物的靶向性和生物利用度"),
              uses=("肿瘤的临床治疗", "慢性病治疗")),
            S(("一种{梯度|载药|仿生|抗菌}多孔{钛|钽|镁}骨修复支架及其制备方法",
               "一种3D打印{可降解|生物陶瓷}骨修复支架的制备方法"), ("A61L27/56", "A61L27/06"),
              "05",
              steps=("采用选区激光熔化成形多孔结构", "在表面构建生物活性涂层"),
              effects=("力学性能与人骨匹配、生物相容性好",), uses=("骨缺损修复",),
              product="医用多孔钛骨修复支架"),
            S(("一种基于深度学习的{心电信号|脑电信号|脉搏波}异常检测方法",
               "一种可穿戴{心电|血氧|血压}信号实时监测方法"),
              ("A61B5/346", "G16H50/20"), "05",
              steps=("采集多导联生理信号", "构建卷积神经网络分类模型"),
              effects=("检测准确率达到97%以上",), uses=("心血管疾病筛查", "远程健康监护")),
            S(("一种检测{肺癌|胃癌|肝癌|结直肠癌}早期标志物的试剂盒及其应用",
               "一种用于{t}疗效评估的{生物标志物|外泌体}及检测方法"),
              ("C12Q1/6886", "G01N33/574"), "05",
              steps=("筛选特异性生物标志物", "建立实时荧光定量PCR检测体系"),
              effects=("检测灵敏度高、特异性强",), uses=("疾病的早期筛查",),
              product="肺癌早期筛查试剂盒"),
            S(("一种{可注射|温敏|自愈合|导电}抗菌水凝胶{敷料|材料}及其制备方法",),
              ("A61L15/60", "A61L26/00"), "05",
              steps=("以壳聚糖和透明质酸为基质交联", "负载抗菌肽"),
              effects=("抗菌率达99%以上、可促进创面愈合",), uses=("慢性创面修复",)),
        ),
        steps=("优化处方配比", "通过体外细胞实验和动物实验验证"),
        effects=("生物相容性好、毒副作用小",),
        uses=("创新药物研发",),
        devices=(
            S(("一种{u}{上肢|下肢|手指}康复训练装置",), ("A61H1/02", "A63B21/00"), "05",
              parts=("底座", "助力臂", "角度传感器")),
            S(("一种{u}{输液管|引流管}固定装置",), ("A61M5/14", "A61M25/02"), "05",
              parts=("固定带", "卡槽", "防滑垫")),
            S(("一种{u}可穿戴{心电|血氧}监测装置",), ("A61B5/25", "A61B5/00"), "05",
              parts=("电极贴片", "信号采集模块", "蓝牙模块")),
        ),
        designs=(("监护仪", "病房生命体征监护"), ("康复训练器", "上肢康复训练")),
        companies=("西安示范医疗器械有限公司（演示）", "陕西示范制药有限公司（演示）"),
    ),
    "agriculture": Field(
        area="农业与食品", industry="07", nsfc="3", plan="D", province="NY",
        modifiers=("绿色", "高效"),
        techniques=("机器视觉", "高光谱成像", "深度学习", "近红外光谱"),
        subjects=(
            S(("一种{高产|抗旱|优质|节水}{小麦|玉米|油菜}新品种的选育方法",
               "小麦抗{条锈病|白粉病|赤霉病}基因的{分子标记|KASP标记|功能标记}及其应用",
               "一种{抗旱|高产|耐盐}{小麦|谷子}种质的创制方法"),
              ("A01H1/02", "A01H6/46", "C12Q1/6895"), "07",
              steps=("采用分子标记辅助选择", "通过杂交和多代回交选育"),
              effects=("产量提高10%~15%", "抗病性和抗旱性显著增强"),
              uses=("小麦育种", "旱地粮食生产")),
            S(("一种{苹果|梨|樱桃}矮化砧木{高效|快速|工厂化}繁育方法",
               "一种{苹果树腐烂病|苹果褐斑病|葡萄霜霉病}的{m}防治方法"),
              ("A01H4/00", "A01G17/00"), "07",
              steps=("采用组织培养快繁", "优化生根培养基配方"),
              effects=("繁殖系数提高3倍以上", "病害发生率降低50%以上"), uses=("苹果产业",)),
            S(("一种{猕猴桃|苹果|樱桃}{低温|气调|绿色}保鲜方法",
               "一种防治猕猴桃{溃疡病|软腐病}的{生物制剂|复合杀菌剂}及其应用"),
              ("A23B7/154", "A01N63/22"), "07",
              steps=("采用1-甲基环丙烯处理", "结合低温气调贮藏", "筛选拮抗菌株发酵制备"),
              effects=("货架期延长一倍", "病害发生率降低50%以上"), uses=("猕猴桃产业",),
              product="猕猴桃保鲜果"),
            S(("一种富硒{绿茶|红茶|黑茶|白茶}的加工方法",
               "一种{低糖|高硒|速溶}富硒茶饮料及其制备方法",
               "一种保留有机硒的{绿茶|红茶}{低温|分段|微波}干燥方法"),
              ("A23F3/06", "A23F3/14"), "07",
              steps=("控制杀青温度和时间", "采用低温分段烘干", "通过微波辅助杀青"),
              effects=("产品有机硒保留率提高25%以上", "茶汤色泽翠绿、滋味鲜爽"),
              uses=("富硒茶叶加工",), product="富硒绿茶"),
            S(("一种富硒魔芋{精粉|微粉|凝胶食品}的{低温|高效|绿色}制备方法",
               "一种魔芋葡甘聚糖的{纯化|改性|脱乙酰}方法", "一种魔芋{低温干燥护色|切片脱毒}方法"),
              ("A23L19/10", "A23L29/244"), "07",
              steps=("采用低温真空干燥", "以复合护色剂替代硫熏护色", "通过乙醇梯度洗涤纯化"),
              effects=("精粉白度和黏度明显提高", "二氧化硫残留低于国家标准限量"),
              uses=("魔芋精深加工", "富硒食品加工"), product="富硒魔芋精粉"),
            S(("一种从富硒{茶叶|魔芋|食用菌|大米}中提取硒多糖的方法",
               "一种{硒多糖|富硒肽}及其在制备{抗氧化|降血糖|免疫调节}保健食品中的应用"),
              ("C08B37/00", "A61K36/82", "A61P39/06"), "05",
              steps=("通过超声辅助提取", "采用DEAE纤维素柱层析纯化"),
              effects=("硒多糖得率和纯度显著提高", "具有良好的体外抗氧化活性"),
              uses=("富硒保健食品开发",)),
            S(("一种富硒{茶叶|魔芋|大米}中硒含量的快速检测方法",
               "一种基于{荧光探针|表面增强拉曼}的硒形态{快速|高灵敏}检测方法"),
              ("G01N21/64", "G01N30/02"), "07",
              steps=("采用微波消解前处理", "利用荧光探针特异性识别硒"),
              effects=("检测时间缩短至10分钟以内", "检出限低、适合现场快速检测"),
              uses=("富硒农产品质量检测",)),
            S(("基于{t}的{绿茶|红茶|茶鲜叶}品质分级方法",
               "一种基于{t}的茶叶{外形|色泽|嫩度}品质检测方法"),
              ("G06V10/82", "G06T7/00"), "02",
              steps=("采集茶叶图像并提取颜色和纹理特征", "构建卷积神经网络分级模型"),
              effects=("分级准确率达到95%以上", "可替代人工感官评审"),
              uses=("茶叶生产线自动分级",)),
            S(("一种基于{t}的{猕猴桃|苹果|魔芋}外观缺陷分选方法",
               "一种{猕猴桃|苹果|果蔬}{智能|高效}自动分选与称重包装装置"),
              ("B07C5/34", "B07C5/342"), "03",
              steps=("通过机器视觉识别外观缺陷", "按大小和重量自动分级输送"),
              effects=("分选效率达到每小时5吨以上",), uses=("果蔬采后商品化处理",)),
            S(("一种富硒{有机肥|叶面肥|水溶肥}及其制备方法",
               "一种{富硒|高效|绿色}{生物有机肥|复合微生物肥料}的制备方法"),
              ("C05G3/00", "C05F17/20"), "07",
              steps=("以秸秆和畜禽粪便为原料发酵", "添加富硒微生物菌剂"),
              effects=("作物硒含量提高30%以上", "改善土壤团粒结构"),
              uses=("富硒农产品种植", "土壤改良")),
            S(("一种{奶山羊|肉牛|生猪}{高效|低成本|发酵}全混合日粮及其制备方法",
               "一种提高{奶山羊产奶量|肉羊日增重}的饲料添加剂"),
              ("A23K50/10", "A23K10/30"), "07",
              steps=("优化精粗饲料配比", "添加益生菌发酵"),
              effects=("生产性能提高8%以上", "饲料转化率明显提高"), uses=("畜禽养殖",)),
            S(("一种丘陵山地果园{多功能|自走式|履带式}{作业平台|运输机}",
               "一种{猕猴桃|苹果}{授粉|采摘|修剪}机器人"),
              ("A01B51/02", "A01D46/30"), "03",
              steps=("采用履带式底盘和液压调平机构", "通过视觉定位作业目标"),
              effects=("作业效率提高3倍以上",), uses=("丘陵山地果园生产",)),
        ),
        steps=("筛选适宜的品种和种源", "优化配方比例和加工参数"),
        effects=("品质稳定、适合规模化生产",),
        uses=("现代农业生产",),
        devices=(
            S(("一种{u}茶叶{杀青机|揉捻机|烘干机}", "一种富硒茶叶{滚筒杀青|微波杀青}装置"),
              ("A23F3/06", "A23N12/08"), "07", parts=("滚筒", "加热组件", "排湿风机")),
            S(("一种{u}魔芋{切片|清洗去皮}装置",), ("B26D1/29", "A23N15/00"), "07",
              parts=("进料斗", "刀盘", "出料输送带")),
            S(("一种{u}果园{施肥|开沟}装置",), ("A01C15/00", "A01C23/02"), "07",
              parts=("肥料箱", "开沟器", "排肥器")),
            S(("一种{u}{猕猴桃|苹果|花椒}采摘器",), ("A01D46/24", "A01D46/247"), "07",
              parts=("伸缩杆", "剪切刀头", "收集袋")),
        ),
        designs=(("茶叶包装盒", "富硒绿茶包装"), ("魔芋食品包装袋", "魔芋休闲食品包装"),
                 ("猕猴桃果箱", "猕猴桃运输与销售")),
        companies=("汉中示范茶业有限公司（演示）", "杨凌示范生物科技有限公司（演示）"),
    ),
}  # fmt: skip
CHOICE = re.compile(r"\{([^{}]*\|[^{}]*)\}")
DEVICE_MODIFIERS = ("可调式", "组合式", "快拆式", "便携式", "多功能", "新型")
DEVICE_EFFECTS = ("安装拆卸方便", "运行稳定可靠", "操作简便", "占地面积小")
DEVICE_BENEFITS = ("有效提高了工作效率", "降低了生产成本", "延长了使用寿命")

# key, name, kind, region code, first 17 characters of the credit code (load_demo's scheme).
POOL_ORGANISATIONS = [
    ("xjtu", "西安交通大学（演示）", Organisation.Kind.UNIVERSITY, "610100", "12100000DEM000011"),
    ("nwpu", "西北工业大学（演示）", Organisation.Kind.UNIVERSITY, "610100", "12100000DEM000012"),
    ("xidian", "西安电子科技大学（演示）", Organisation.Kind.UNIVERSITY, "610100",
     "12100000DEM000013"),
    ("nwafu", "西北农林科技大学（演示）", Organisation.Kind.UNIVERSITY, "61YL00",
     "12100000DEM000014"),
]  # fmt: skip
# Owner key -> (patents, {field: share}); "university" and "institute" come from load_demo.
POOL = {
    "university": (650, {"materials": 30, "equipment": 30, "environment": 20, "ict": 20}),
    "institute": (250, {"materials": 85, "environment": 15}),
    "xjtu": (700, {"ict": 25, "equipment": 25, "medicine": 25, "materials": 15,
                   "environment": 10}),
    "nwpu": (550, {"equipment": 45, "materials": 35, "ict": 20}),
    "xidian": (450, {"ict": 90, "equipment": 10}),
    "nwafu": (400, {"agriculture": 70, "environment": 15, "medicine": 15}),
}  # fmt: skip

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹易常武乔贺"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红鹏飞建国文辉宇晨浩凯博鑫阳欣婷雪慧佳琳晓海峰志斌亮宏振东旭帅"  # noqa: E501
AWARDS = ("中国专利优秀奖", "陕西省专利奖一等奖", "陕西省专利奖二等奖", "陕西省专利奖三等奖")
BANKS = (
    "中国工商银行股份有限公司西安高新技术产业开发区支行",
    "西安银行股份有限公司高新科技支行",
    "长安银行股份有限公司杨凌示范区支行",
    "中国建设银行股份有限公司陕西省分行",
    "交通银行股份有限公司陕西省分行",
)
FEE_STANDARDS = (
    ("入门费2万元，另按被许可产品年销售额的3%提成", "入门费加提成，按年结算"),
    ("每年5万元", "按年度支付"),
    ("一次性支付许可使用费8万元", "一次性支付"),
    ("按被许可产品年销售额的2.5%提成，每年不低于3万元", "按年度支付"),
)
UTILITY_FEE = ("每年1万元", "按年度支付")
SCREEN_NOTES = ("已有企业咨询", "建议二次开发后推广", "适合开放许可", "需补充中试数据")
IMPROVEMENTS = ("希望提供中试数据", "需进一步降低生产成本", "建议补充工程化验证")

# The demo enterprise's needs (安康, 富硒 products): title, description, industry, IPC, budget
# in 万元 (from, to), cooperation.
NEEDS = [
    ("富硒绿茶加工中有机硒保留技术",
     "我司年加工富硒绿茶约300吨，现有杀青和烘干工艺导致有机硒损失较大、茶汤色泽偏暗。寻求富硒茶叶"
     "低温加工及硒形态保持技术，希望以专利许可方式合作。", "07", "A23F3/06", (30, 100), "licence"),
    ("富硒魔芋精粉低温干燥与护色工艺",
     "魔芋切片干燥能耗高、精粉白度不足，二氧化硫残留需进一步降低。寻求魔芋精粉低温干燥、护色及"
     "葡甘聚糖纯化技术。", "07", "A23L19/10", (50, 150), "transfer"),
    ("富硒农产品硒含量快速检测方法",
     "需要现场快速检测茶叶、魔芋等农产品硒含量的方法和便携式检测装置，替代送检的原子荧光法，"
     "检测时间希望控制在10分钟以内。", "07", "G01N21/64", (20, 80), "joint"),
    ("基于机器视觉的茶叶品质智能分级系统",
     "寻求基于深度学习的茶叶外形、色泽图像识别与品质分级技术，用于生产线自动分级，替代人工感官"
     "评审。", "02", "G06V10/82", (50, 200), "joint"),
    ("富硒食品加工废水处理与回用技术",
     "魔芋、茶叶加工废水有机物浓度高、色度大，现有生化处理出水不稳定。寻求厌氧-好氧组合处理工艺"
     "及深度处理回用技术。", "06", "C02F9/00", (80, 300), "transfer"),
    ("硒多糖提取纯化及抗氧化保健食品开发",
     "拟开发富硒茶多糖、魔芋硒多糖类保健食品，寻求硒多糖高效提取纯化技术及抗氧化功能评价方案。",
     "05", "A61K36/82", (100, 300), "licence"),
    ("可降解高阻隔食品包装薄膜",
     "富硒茶和魔芋食品需要阻氧防潮包装，寻求聚乳酸等可降解高阻隔包装薄膜的配方及制备技术，"
     "替代现有铝塑复合膜。", "04", "C08L67/04", (30, 120), "licence"),
    ("猕猴桃等果蔬智能分选与自动包装",
     "寻求猕猴桃、魔芋等果蔬按大小、外观缺陷自动分选与称重包装的成套设备技术，处理能力不低于"
     "每小时5吨。", "03", "B07C5/34", (150, 500), "transfer"),
    ("富硒农产品区块链质量溯源平台",
     "建设从种植基地、加工到销售的全程质量溯源平台，寻求基于区块链的农产品数据可信存证与防伪"
     "溯源技术。", "02", "G06Q50/02", (30, 100), "joint"),
    ("富硒有机肥与农田土壤镉钝化修复",
     "基地部分农田土壤镉含量偏高，寻求富硒有机肥制备及重金属污染土壤钝化修复技术，在提高作物硒"
     "含量的同时降低镉吸收。", "06", "B09C1/08", (50, 200), "licence"),
]  # fmt: skip
FEEDBACK_NEEDS = 6  # feedback on the top suggestions of the first needs
FEEDBACK_PER_NEED = 2


@dataclass
class Planned:
    """A patent of the plan (not saved), its owner's key, its field and subject, and the
    conversion events planned for it."""

    patent: Patent
    owner: str
    field_key: str
    subject: Subject | None = None
    events: list[dict] = field(default_factory=list)


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _at(day: date, rng: random.Random) -> datetime:
    moment = time(rng.randint(9, 17), rng.randint(0, 59))
    return datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _years_later(day: date, years: int) -> date:
    """The day before the anniversary: a term of whole years from `day`."""
    try:
        return day.replace(year=day.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _number(year: int, type_digit: str, serial: int) -> str:
    digits = f"{year}{type_digit}{serial:07d}"
    return f"{digits}.{patent_check_character(digits)}"


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _weighted(rng: random.Random, shares: Mapping[str, int]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _fill(template: str, rng: random.Random, f: Field, use: str = "") -> str:
    """A title from a template: "{a|b}" picks one, {m} a modifier, {t} a technique, {u} a
    utility-model modifier, {use} the use."""
    text = CHOICE.sub(lambda found: rng.choice(found.group(1).split("|")), template)
    return text.format(
        m=rng.choice(f.modifiers),
        t=rng.choice(f.techniques),
        u=rng.choice(DEVICE_MODIFIERS),
        use=use,
    )


def _object(title: str) -> str:
    """What the abstract says is disclosed ("一种…" unless the title is a use)."""
    return title if title.startswith("一种") or "中的应用" in title else "一种" + title


def _variants(template: str, f: Field, uses: int) -> int:
    """How many titles a template makes."""
    count = math.prod(len(found.split("|")) for found in CHOICE.findall(template))
    for slot, size in (("{m}", len(f.modifiers)), ("{t}", len(f.techniques)),
                       ("{u}", len(DEVICE_MODIFIERS)), ("{use}", uses)):  # fmt: skip
        if slot in template:
            count *= size
    return count


@functools.cache
def _weights(field_key: str, devices: bool) -> tuple[list[float], list[list[int]]]:
    """Weights of a field's subjects (the square root of the titles each makes) and of each
    subject's templates (the titles each makes)."""
    f = FIELDS[field_key]
    templates = [
        [_variants(t, f, len(subject.uses or f.uses)) for t in subject.titles]
        for subject in (f.devices if devices else f.subjects)
    ]
    return [math.sqrt(sum(counts)) for counts in templates], templates


def _pick(rng: random.Random, field_key: str, devices: bool = False) -> tuple[Subject, str]:
    """A subject and one of its templates, drawn so that titles repeat as little as the
    vocabulary allows."""
    f = FIELDS[field_key]
    subjects = f.devices if devices else f.subjects
    subject_weights, template_weights = _weights(field_key, devices)
    index = rng.choices(range(len(subjects)), subject_weights)[0]
    subject = subjects[index]
    return subject, rng.choices(subject.titles, template_weights[index])[0]


def _invention(rng: random.Random, field_key: str) -> tuple[Subject, str, str]:
    f = FIELDS[field_key]
    subject, template = _pick(rng, field_key)
    use = rng.choice(subject.uses or f.uses)
    title = _fill(template, rng, f, use)
    steps = rng.sample(subject.steps or f.steps, 2)
    abstract = (
        f"本发明公开了{_object(title)}，属于{f.area}技术领域。本发明{steps[0]}，并{steps[1]}，"
        f"{rng.choice(subject.effects or f.effects)}，可用于{use}。"
    )
    return subject, title, abstract


def _utility_model(rng: random.Random, field_key: str) -> tuple[Subject, str, str]:
    f = FIELDS[field_key]
    device, template = _pick(rng, field_key, devices=True)
    title = _fill(template, rng, f)
    a, b, c = device.parts
    abstract = (
        f"本实用新型公开了{title}，包括{a}、{b}和{c}。本实用新型结构简单、"
        f"{rng.choice(DEVICE_EFFECTS)}，{rng.choice(DEVICE_BENEFITS)}。"
    )
    return device, title, abstract


def _design(rng: random.Random, field_key: str) -> tuple[None, str, str]:
    product, use = rng.choice(FIELDS[field_key].designs)
    title = f"{product}（{rng.randint(1, 3)}）"
    abstract = f"本外观设计产品的名称为{title}，用于{use}；设计要点在于产品的形状。"
    return None, title, abstract


def _funding(rng: random.Random, f: Field, filed: date) -> str:
    year = max(filed.year - rng.randint(0, 2), 2009)
    choice = rng.random()
    if choice < 0.55:
        return f"国家自然科学基金（{f.nsfc}{year % 100:02d}{rng.randint(10000, 79999)}）"
    if choice < 0.75:
        if year >= 2016:
            serial = f"{rng.randint(1, 2999):04d}{rng.randint(0, 9)}00"
            return f"国家重点研发计划（{year}YF{f.plan}{serial}）"
        return f"国家高技术研究发展计划（{year}AA0{rng.randint(10000, 59999)}）"
    if choice < 0.9:
        return f"陕西省重点研发计划（{max(year, 2015)}{f.province}-{rng.randint(1, 399):03d}）"
    return f"陕西省自然科学基础研究计划（{year}JM-{rng.randint(1, 699):03d}）"


def _legal(rng: random.Random, kind: str, filed: date) -> tuple[str, date | None]:
    """Legal status and grant date as of AS_OF."""
    if kind == K.INVENTION:
        granted = filed + timedelta(days=rng.randint(400, 1100))
        term = 20
    elif kind == K.UTILITY_MODEL:
        granted, term = filed + timedelta(days=rng.randint(120, 360)), 10
    else:
        granted = filed + timedelta(days=rng.randint(90, 240))
        term = 15 if filed >= date(2021, 6, 1) else 10
    if granted > AS_OF:
        return Patent.Status.PENDING, None
    if _years_later(filed, term) < AS_OF:
        return Patent.Status.EXPIRED, granted
    years = (AS_OF - granted).days / 365
    roll = rng.random()
    if roll < 0.004:
        return Patent.Status.INVALIDATED, granted
    if roll < 0.03 + 0.025 * years:  # universities drop the fees of old patents
        return Patent.Status.LAPSED, granted
    return Patent.Status.VALID, granted


def plan_pool() -> list[Planned]:
    """The demo pool, the same on every run (nothing here reads the database)."""
    rng = random.Random(SEED)  # noqa: S311  (invented data, not security)
    numbers: set[str] = set()
    plan = []
    years = list(range(2010, 2025))
    year_weights = [2 + (year - 2010) for year in years]
    for owner, (count, shares) in POOL.items():
        faculty = [_name(rng) for _ in range(60)]
        for _ in range(count):
            field_key = _weighted(rng, shares)
            f = FIELDS[field_key]
            kind = rng.choices([K.INVENTION, K.UTILITY_MODEL, K.DESIGN], weights=[78, 18, 4])[0]
            maker = {K.INVENTION: _invention, K.UTILITY_MODEL: _utility_model, K.DESIGN: _design}
            subject, title, abstract = maker[kind](rng, field_key)
            year = rng.choices(years, year_weights)[0]
            filed = _day(rng, date(year, 1, 4), date(year, 12, 28))
            type_digit = {K.INVENTION: "1", K.UTILITY_MODEL: "2", K.DESIGN: "3"}[kind]
            number = _number(filed.year, type_digit, rng.randint(100_000, 1_499_999))
            while number in numbers:
                number = _number(filed.year, type_digit, rng.randint(100_000, 1_499_999))
            numbers.add(number)
            status, granted = _legal(rng, kind, filed)
            lead = faculty[min(int(rng.expovariate(0.12)), len(faculty) - 1)]
            team = [lead, *(rng.choice(faculty) if rng.random() < 0.4 else _name(rng)
                            for _ in range(rng.randint(1, 5)))]  # fmt: skip
            funded = kind == K.INVENTION and rng.random() < 0.35
            patent = Patent(
                number=number,
                title=title,
                abstract=abstract,
                kind=kind,
                ipc=";".join(subject.ipc) if subject else "",
                inventors="；".join(dict.fromkeys(team)),
                filed_on=filed,
                granted_on=granted,
                status=status,
                state_funded=funded,
                funding_project=_funding(rng, f, filed) if funded else "",
            )
            if kind == K.INVENTION and granted is not None:
                if rng.random() < 0.025:
                    patent.foreign_family = True
                if rng.random() < 0.006:
                    year = min(granted.year + rng.randint(2, 4), 2024)
                    patent.award = f"{year}年度{rng.choice(AWARDS)}"
            plan.append(Planned(patent, owner, field_key, subject))
    _plan_conversions(plan, rng)
    _plan_screening(plan, rng)
    return plan


# Conversion events -------------------------------------------------------------------------

# (kind, field, owner or None, first date, last date, extra values). Amounts in 万元 ranges.
EXCLUSIVE, SOLE, ORDINARY = ({"licence_kind": k} for k in Conversion.LicenceKind.values)
EVENTS: list[tuple[str, str, str, date, date, dict[str, Any]]] = [
    (C.TRANSFER, "materials", "institute", date(2023, 3, 1), date(2023, 12, 20), {}),
    (C.TRANSFER, "equipment", "nwpu", date(2023, 6, 1), date(2024, 6, 30), {}),
    (C.TRANSFER, "ict", "xidian", date(2024, 1, 10), date(2024, 12, 20), {}),
    (C.TRANSFER, "environment", "university", date(2024, 3, 1), date(2025, 3, 31), {}),
    (C.TRANSFER, "medicine", "xjtu", date(2024, 6, 1), date(2025, 9, 30), {}),
    (C.LICENCE, "materials", "xjtu", date(2023, 2, 1), date(2023, 10, 31), EXCLUSIVE),
    (C.LICENCE, "ict", "xidian", date(2024, 2, 1), date(2024, 10, 31), EXCLUSIVE),
    (C.LICENCE, "equipment", "university", date(2023, 5, 1), date(2024, 3, 31), SOLE),
    (C.LICENCE, "medicine", "xjtu", date(2024, 4, 1), date(2025, 2, 28), SOLE),
    (C.LICENCE, "ict", "xjtu", date(2024, 3, 1), date(2025, 6, 30), ORDINARY),
    (C.LICENCE, "environment", "nwafu", date(2025, 1, 1), date(2025, 8, 31), ORDINARY),
    (C.CONTRACT, "equipment", "nwpu", date(2023, 4, 1), date(2024, 4, 30),
     {"contract_kind": Conversion.ContractKind.DEVELOPMENT}),
    (C.CONTRACT, "materials", "university", date(2024, 2, 1), date(2024, 12, 31),
     {"contract_kind": Conversion.ContractKind.TRANSFER}),
    (C.CONTRACT, "ict", "xidian", date(2025, 1, 1), date(2025, 10, 31),
     {"contract_kind": Conversion.ContractKind.SERVICE}),
    (C.USE_FIRST, "materials", "university", date(2024, 9, 1), date(2025, 6, 30), {}),
    (C.PLEDGE, "materials", "institute", date(2023, 3, 1), date(2023, 12, 31), {}),
    (C.PLEDGE, "materials", "institute", date(2024, 5, 1), date(2024, 12, 31), {}),
    (C.PLEDGE, "environment", "institute", date(2025, 2, 1), date(2025, 9, 30), {}),
]  # fmt: skip
# The demo enterprise's own deals (patents of 西北农林科技大学 on its products): kind, main IPC
# of the patent's subject, date, values.
ENTERPRISE_EVENTS: list[tuple[str, str, date, dict[str, Any]]] = [
    (C.TRANSFER, "A23L19/10", date(2023, 9, 20), {"amount": Decimal(45 * WAN)}),
    (C.USE_FIRST, "A23F3/06", date(2024, 3, 15),
     {"ends_on": date(2027, 3, 14), "note": "试用期一年，期满后按年销售额的2%支付许可费"}),
    (C.CONTRACT, "C08B37/00", date(2024, 11, 8),
     {"contract_kind": Conversion.ContractKind.DEVELOPMENT, "amount": Decimal(120 * WAN)}),
]  # fmt: skip
OPEN_LICENCE_FIELDS = ["materials", "ict", "equipment", "environment", "agriculture", "medicine"]
OPEN_LICENCES = 15  # granted, unconverted, valid, in force to OPEN_LICENCE_ENDS
PRODUCT_FILINGS = 3
PLEDGES_BY_ASSIGNEES = 2


def _eligible(plan: list[Planned], rng: random.Random, *, field_key: str, owner: str | None,
              granted_by: date, kinds=(K.INVENTION,), ipc: str = "") -> Planned:  # fmt: skip
    """An unused granted valid patent of this field (and owner), granted by this day."""
    candidates = [
        p for p in plan
        if not p.events and p.field_key == field_key and (owner is None or p.owner == owner)
        and p.patent.kind in kinds and p.patent.status == Patent.Status.VALID
        and p.patent.granted_on is not None and p.patent.granted_on <= granted_by
        and p.patent.ipc.startswith(ipc)
    ]  # fmt: skip
    if not candidates:
        raise LookupError(f"No demo patent for an event in {field_key} ({owner}, {ipc}).")
    return rng.choice(candidates)


def _event(kind: str, starts_on: date, **values) -> dict:
    return {"kind": kind, "starts_on": starts_on, **values}


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high) * WAN)


def _registration(rng: random.Random, day: date) -> str:
    return f"{day.year}6101{rng.randint(1, 30):02d}{rng.randint(1, 9999):06d}"


def _plan_conversions(plan: list[Planned], rng: random.Random) -> None:
    """About 45 events on some 40 patents (a product filing or an assignee's pledge follows a
    transfer or licence on the same patent); the patents they convert are marked converted, and
    2% of the others as converted before the portal."""
    for kind, field_key, owner, first, last, extra in EVENTS:
        found = _eligible(plan, rng, field_key=field_key, owner=owner, granted_by=first)
        day = _day(rng, first, last)
        f = FIELDS[field_key]
        values = dict(extra)
        if kind in (C.TRANSFER, C.LICENCE, C.USE_FIRST):
            values["counterparty_name"] = rng.choice(f.companies)
        if kind == C.TRANSFER:
            values["amount"] = _amount(rng, 30, 500)
        elif kind == C.LICENCE:
            values["amount"] = _amount(rng, 10, 300)
            values["ends_on"] = _years_later(day, rng.randint(3, 5))
        elif kind == C.CONTRACT:
            values["counterparty_name"] = rng.choice(f.companies)
            values["amount"] = _amount(rng, 20, 300)
            values["registration_number"] = _registration(rng, day)
        elif kind == C.USE_FIRST:
            values["ends_on"] = _years_later(day, 3)
            values["note"] = "先使用后付费，试用期满后按年支付许可费"
        elif kind == C.PLEDGE:
            values["counterparty_name"] = rng.choice(BANKS)
            values["amount"] = _amount(rng, 100, 2000)
            values["ends_on"] = _years_later(day, rng.randint(1, 3))
        found.events.append(_event(kind, day, **values))
    # One pledge released early, one licence terminated early.
    pledges = [e for p in plan for e in p.events if e["kind"] == C.PLEDGE]
    pledges[0]["ended_on"] = pledges[0]["starts_on"] + timedelta(days=300)
    licences = [e for p in plan for e in p.events if e["kind"] == C.LICENCE]
    # Ended before the plan's own last day, like every other planned date but the terms.
    licences[-1]["ended_on"] = min(
        licences[-1]["starts_on"] + timedelta(days=200), AS_OF - timedelta(days=30)
    )
    # The demo enterprise's deals (counterparty "enterprise": the registered demo enterprise).
    for kind, ipc, day, extra in ENTERPRISE_EVENTS:
        found = _eligible(plan, rng, field_key="agriculture", owner="nwafu",
                          granted_by=day, ipc=ipc)  # fmt: skip
        values = {"counterparty": "enterprise", **extra}
        if kind == C.CONTRACT:
            values["registration_number"] = _registration(rng, day)
        found.events.append(_event(kind, day, **values))
    # Assignees pledge what they bought; products are filed for what was transferred or licensed.
    transferred = [p for p in plan if any(e["kind"] == C.TRANSFER for e in p.events)]
    for p in transferred[:PLEDGES_BY_ASSIGNEES]:
        day = p.events[0]["starts_on"] + timedelta(days=rng.randint(60, 240))
        p.events.append(_event(
            C.PLEDGE, day, counterparty_name=rng.choice(BANKS), amount=_amount(rng, 100, 2000),
            ends_on=_years_later(day, 2),
            note="受让企业以该专利质押融资",
        ))  # fmt: skip
    sold = [
        p for p in plan
        if p.subject and p.subject.product
        and any(e["kind"] in (C.TRANSFER, C.LICENCE) for e in p.events)
    ]  # fmt: skip
    for p in sold[:PRODUCT_FILINGS]:  # each with a subject naming a product
        day = min(p.events[0]["starts_on"] + timedelta(days=rng.randint(120, 360)),
                  date(2025, 11, 30))  # fmt: skip
        p.events.append(_event(
            C.PRODUCT_FILING, day, product=cast(Subject, p.subject).product,
            **{k: v for k, v in p.events[0].items() if k in ("counterparty", "counterparty_name")},
            sales=_amount(rng, 200, 5000),
        ))  # fmt: skip
    # Open licence declarations: granted, unconverted, valid, never pledged or licensed; two of
    # them have an ordinary licence under the declaration (one to the demo enterprise).
    for index in range(OPEN_LICENCES + 2):
        field_key = OPEN_LICENCE_FIELDS[index % len(OPEN_LICENCE_FIELDS)]
        kinds = (K.UTILITY_MODEL,) if index % 5 == 4 else (K.INVENTION,)
        if index >= OPEN_LICENCES:
            field_key, kinds = ("agriculture", "ict")[index - OPEN_LICENCES], (K.INVENTION,)
        starts_on = _day(rng, date(2025, 1, 6), date(2025, 9, 30))
        found = _eligible(plan, rng, field_key=field_key, owner=None, granted_by=starts_on,
                          kinds=kinds)  # fmt: skip
        fee, payment = UTILITY_FEE if kinds == (K.UTILITY_MODEL,) else rng.choice(FEE_STANDARDS)
        found.events.append(_event(
            C.OPEN_LICENCE, starts_on, ends_on=OPEN_LICENCE_ENDS, fee_standard=fee,
            payment_method=payment,
        ))  # fmt: skip
        if index >= OPEN_LICENCES:
            party = (
                {"counterparty": "enterprise"}
                if field_key == "agriculture"
                else {"counterparty_name": rng.choice(FIELDS[field_key].companies)}
            )
            found.events.append(_event(
                C.LICENCE, starts_on + timedelta(days=rng.randint(30, 90)),
                ends_on=OPEN_LICENCE_ENDS, licence_kind="ordinary", via_open_licence=True,
                amount=_amount(rng, 3, 10), **party,
            ))  # fmt: skip
    for p in plan:
        if any(e["kind"] in Conversion.CONVERTING for e in p.events):
            p.patent.converted = True
        elif not p.events and p.patent.status == Patent.Status.VALID and rng.random() < 0.02:
            p.patent.converted = True  # converted before the portal: no event recorded


def _plan_screening(plan: list[Planned], rng: random.Random) -> None:
    """About 60% of the unconverted valid patents screened from 2024 to late 2025, more of them
    as the special action went on; tiers A/B/C about 20/50/30."""
    first, last = date(2024, 1, 8), date(2025, 11, 28)
    span = (last - first).days
    for p in plan:
        patent = p.patent
        if not patent.is_unconverted_valid or rng.random() >= 0.6:
            continue
        weights = [20, 50, 30]
        if patent.foreign_family or patent.award:
            weights = [60, 35, 5]
        patent.tier = rng.choices(Patent.Tier.values, weights=weights)[0]
        patent.industry = p.subject.industry if p.subject else FIELDS[p.field_key].industry
        day = first + timedelta(days=int(span * rng.random() ** 0.7))
        day = max(day, patent.filed_on + timedelta(days=30))
        patent.screened_at = _at(day, rng)
        patent.screen_note = rng.choice(SCREEN_NOTES) if rng.random() < 0.15 else ""


# Loading -----------------------------------------------------------------------------------


def _organisations(
    organisations: Mapping[str, Organisation] | None,
) -> tuple[dict[str, Organisation], int]:
    """load_demo's organisations (looked up when not given) and the pool's other owners, with
    how many of those were created."""
    from portal.demo import ORGANISATIONS, demo_credit_code

    found = dict(organisations or {})
    missing = [row for row in ORGANISATIONS if row[0] not in found]
    if missing:
        by_code = Organisation.objects.in_bulk(
            [demo_credit_code(row[4]) for row in missing], field_name="credit_code"
        )
        for key, *_rest, body in missing:
            found[key] = by_code[demo_credit_code(body)]
    regions = {region.code: region for region in Region.objects.all()}
    created = 0
    for key, name, kind, region_code, body in POOL_ORGANISATIONS:
        org, made = Organisation.objects.get_or_create(
            credit_code=demo_credit_code(body),
            defaults={
                "name": name,
                "kind": kind,
                "region": regions[region_code],
                "status": Organisation.Status.VERIFIED,
                "contact_name": "演示联系人",
            },
        )
        found[key] = org
        created += made
    return found, created


def shift(today: date) -> timedelta:
    """How far the plan's activity moves to be dated from the load day `today` (see the module
    docstring): the days from AS_OF to it."""
    return max(today - AS_OF, timedelta(0))


def _dated(event: dict, by: timedelta) -> dict:
    """A planned event moved onto the load's calendar, its registration number with it."""
    values = dict(event)
    for name in ("starts_on", "ends_on", "ended_on"):
        if values.get(name) is not None:
            values[name] += by
    if values.get("registration_number"):  # the year it was registered comes first
        values["registration_number"] = (
            f"{values['starts_on'].year}{values['registration_number'][4:]}"
        )
    return values


@transaction.atomic
def load(
    *, organisations: Mapping[str, Organisation] | None = None, today: date | None = None
) -> int:
    """Create the demo pool, needs, suggestions, feedback and conversion events that are
    missing, dated from `today` (default: today); return the rows created."""
    by = shift(today or timezone.localdate())
    orgs, created = _organisations(organisations)
    applicants: dict[int, User] = {}  # organisation id -> its first applicant
    for user in User.objects.filter(
        role=Role.APPLICANT, organisation__in=orgs.values(), is_active=True
    ).order_by("pk"):
        # Filtered by organisation above: every one has an organisation.
        applicants.setdefault(cast(int, user.organisation_id), user)
    reviewer = User.objects.filter(role=Role.REVIEWER).order_by("pk").first()
    enterprise = orgs["enterprise"]

    plan = plan_pool()
    owners = {key: orgs[key] for key in POOL}
    existing = set(
        Patent.objects.filter(owner__in=owners.values()).values_list("number", flat=True)
    )
    new = []
    for p in plan:
        if p.patent.number in existing:
            continue
        p.patent.owner = owners[p.owner]
        if p.patent.screened_at is not None:
            p.patent.screened_at += by
            p.patent.screened_by = applicants.get(p.patent.owner.pk)
        new.append(p.patent)
    Patent.objects.bulk_create(new, batch_size=500)
    created += len(new)
    pks = dict(Patent.objects.filter(owner__in=owners.values()).values_list("number", "pk"))

    needs, suggestions, feedback = _needs(enterprise, applicants.get(enterprise.pk))
    conversions = _conversions(plan, pks, orgs, applicants, reviewer, by)
    created += needs + suggestions + feedback + conversions
    if created:
        audit_record(
            actor=None,
            actor_label="load_demo",
            event=events.DEMO_PATENTS,
            after={"patents": len(new), "needs": needs, "suggestions": suggestions,
                   "feedback": feedback, "conversions": conversions},
        )  # fmt: skip
    return created


def _needs(enterprise: Organisation, author: User | None) -> tuple[int, int, int]:
    """The demo enterprise's needs, matched once (new needs only), and its feedback on the top
    suggestions of the first ones. Returns (needs, suggestions, feedback) created."""
    if author is None:
        return 0, 0, 0
    titles = set(TechNeed.objects.filter(organisation=enterprise).values_list("title", flat=True))
    new = [
        TechNeed(
            organisation=enterprise, title=title, description=description, industry=industry,
            ipc=ipc, budget_min=Decimal(low * WAN), budget_max=Decimal(high * WAN),
            cooperation=cooperation, created_by=author,
        )
        for title, description, industry, ipc, (low, high), cooperation in NEEDS
        if title not in titles
    ]  # fmt: skip
    if not new:
        return 0, 0, 0
    new = TechNeed.objects.bulk_create(new)
    from patents import services  # services import the tasks; keep the cycle out of import time

    with emails_suppressed():
        suggestions = services.needs_match(need_ids=[need.pk for need in new])
    rng = random.Random(f"{SEED}-feedback")  # noqa: S311
    given = []
    order = {title: index for index, (title, *_rest) in enumerate(NEEDS)}
    for need in sorted(new, key=lambda n: order[n.title]):
        if order[need.title] >= FEEDBACK_NEEDS:
            continue
        for match in Match.objects.filter(need=need).order_by("rank")[:FEEDBACK_PER_NEED]:
            rating = rng.choices([2, 3, 4, 5], weights=[10, 25, 40, 25])[0]
            given.append(
                Feedback(
                    match=match,
                    rating=rating,
                    improvements="" if rating >= 4 else rng.choice(IMPROVEMENTS),
                    wants_cooperation=rating >= 4 and rng.random() < 0.6,
                    given_by=author,
                )
            )
    Feedback.objects.bulk_create(given)
    # Re-tier the patents from their feedback, by the service's one rule.
    for patent_id in {item.match.patent_id for item in given}:
        rows = Feedback.objects.filter(match__patent_id=patent_id)
        tier = services.tier_from_feedback(
            list(rows.values_list("rating", flat=True)),
            rows.filter(wants_cooperation=True).count(),
        )
        Patent.objects.filter(pk=patent_id).update(tier=tier)
    return len(new), suggestions, len(given)


def _conversions(
    plan: list[Planned],
    pks: dict[str, int],
    orgs: Mapping[str, Organisation],
    applicants: Mapping[int, User],
    reviewer: User | None,
    by: timedelta,
) -> int:
    """The planned conversion events that are missing, dated `by` later than planned (recorded
    by an applicant of the owner, or by the reviewer); returns how many were created."""
    existing = set(Conversion.objects.filter(
        patent__owner__in=[orgs[key] for key in POOL]
    ).values_list("patent_id", "kind"))  # fmt: skip
    new = []
    for p in plan:
        for event in p.events:
            patent_id = pks[p.patent.number]
            if (patent_id, event["kind"]) in existing:
                continue
            values = _dated(event, by)
            if values.get("counterparty") == "enterprise":
                values["counterparty"] = orgs["enterprise"]
                values["counterparty_name"] = orgs["enterprise"].name
            recorder = applicants.get(orgs[p.owner].pk) or reviewer
            new.append(Conversion(patent_id=patent_id, recorded_by=recorder, **values))
    Conversion.objects.bulk_create(new)
    return len(new)
